// Locations shared by the harness.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** tests/e2e */
export const E2E_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** The repository root: the server's working directory (Rocket.toml, web/dist). */
export const REPO_ROOT = resolve(E2E_DIR, "../..");
/** Screenshots and logs (gitignored). */
export const ARTIFACTS_DIR = join(E2E_DIR, "artifacts");

/** `ARTIFACTS_DIR/sub`, created on demand. */
export function artifactDir(sub) {
  const dir = join(ARTIFACTS_DIR, sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * The replichat binary: `REPLICHAT_BIN` if set, else the newer of
 * target/release/replichat and target/debug/replichat.
 */
export function serverBinary() {
  if (process.env.REPLICHAT_BIN) {
    const bin = resolve(process.env.REPLICHAT_BIN);
    if (!existsSync(bin)) {
      throw new Error(`REPLICHAT_BIN=${bin} does not exist`);
    }
    return bin;
  }
  const candidates = ["release", "debug"]
    .map((profile) => join(REPO_ROOT, "target", profile, "replichat"))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) {
    throw new Error("no replichat binary: run `cargo build` first or set REPLICHAT_BIN");
  }
  return candidates[0];
}
