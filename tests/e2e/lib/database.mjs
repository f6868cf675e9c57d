// A fresh database per server: a SQLite file in a temporary directory, or a PostgreSQL
// database created under the admin URL in REPLICHAT_TEST_PG (dropped afterwards).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The backend the suite runs on: E2E_DB=sqlite (default) or E2E_DB=postgres. */
export function backend() {
  const value = (process.env.E2E_DB ?? "sqlite").toLowerCase();
  if (value !== "sqlite" && value !== "postgres") {
    throw new Error(`E2E_DB must be sqlite or postgres, not ${value}`);
  }
  if (value === "postgres" && !process.env.REPLICHAT_TEST_PG) {
    throw new Error("E2E_DB=postgres needs REPLICHAT_TEST_PG (an admin URL)");
  }
  return value;
}

let counter = 0;

/** `admin` with its database name replaced by `name` (query string kept). */
export function withDatabaseName(admin, name) {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

function psql(adminUrl, sql) {
  execFileSync("psql", [adminUrl, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], {
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * Creates a fresh database on the current backend. Returns `{url, backend, drop()}`;
 * `url` goes into DATABASE_URL.
 */
export function createDatabase(label = "db") {
  const kind = backend();
  if (kind === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "replichat-e2e-"));
    return {
      backend: kind,
      url: join(dir, `${label}.db`),
      drop: () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.REPLICHAT_TEST_PG;
  const name = `replichat_e2e_${process.pid}_${counter++}_${Date.now() % 1_000_000}`;
  try {
    psql(admin, `CREATE DATABASE ${name}`);
  } catch (e) {
    const stderr = e.stderr ? String(e.stderr).trim() : e.message;
    throw new Error(`cannot create PostgreSQL database ${name} via REPLICHAT_TEST_PG: ${stderr}`);
  }
  return {
    backend: kind,
    url: withDatabaseName(admin, name),
    drop: () => psql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}
