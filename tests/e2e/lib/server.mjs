// Starts the replichat binary on a free port in 18100-18199 and stops it again.
import { spawn } from "node:child_process";
import { createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { artifactDir, REPO_ROOT, serverBinary } from "./paths.mjs";
import { sleep, waitFor } from "./wait.mjs";

const PORT_MIN = 18100;
const PORT_MAX = 18199;

function canListen(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** A port in 18100-18199 nobody listens on. */
export async function freePort() {
  const span = PORT_MAX - PORT_MIN + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = PORT_MIN + ((start + i) % span);
    if (await canListen(port)) {
      return port;
    }
  }
  throw new Error(`no free port in ${PORT_MIN}-${PORT_MAX}`);
}

let serial = 0;

/**
 * One replichat process. `start()` launches it (again, after `stop()`, on the same
 * port and database, possibly with other settings) and waits for /healthz.
 */
export class ReplichatServer {
  /**
   * @param {object} options
   * @param {string} options.databaseUrl  DATABASE_URL
   * @param {string} [options.strategy]   ROCKET_PULL_STRATEGY (reset | version)
   * @param {string} [options.webDir]     ROCKET_WEB_DIR
   * @param {string} [options.label]      name of the log file
   * @param {Record<string,string>} [options.env] extra environment
   */
  constructor({ databaseUrl, strategy = "version", webDir, label = "server", env = {} }) {
    this.databaseUrl = databaseUrl;
    this.strategy = strategy;
    this.webDir = webDir;
    this.env = env;
    this.label = `${label}-${process.pid}-${serial++}`;
    this.logPath = join(artifactDir("logs"), `${this.label}.log`);
    this.logStream = null;
    this.port = null;
    this.child = null;
    this.exited = null;
  }

  /** http://127.0.0.1:<port> */
  get baseURL() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start({ strategy } = {}) {
    if (strategy) {
      this.strategy = strategy;
    }
    this.port ??= await freePort();
    this.logStream ??= createWriteStream(this.logPath, { flags: "a" });
    this.logStream.write(`\n=== start: strategy=${this.strategy} port=${this.port} ===\n`);
    const env = {
      ...process.env,
      ROCKET_ADDRESS: "127.0.0.1",
      ROCKET_PORT: String(this.port),
      ROCKET_PULL_STRATEGY: this.strategy,
      ROCKET_CLI_COLORS: "false",
      ROCKET_LOG_LEVEL: process.env.E2E_SERVER_LOG_LEVEL ?? "normal",
      // Idle keep-alive connections would hold a graceful shutdown for the default 2 s.
      ROCKET_SHUTDOWN: "{grace=1,mercy=1}",
      DATABASE_URL: this.databaseUrl,
      ...(this.webDir ? { ROCKET_WEB_DIR: this.webDir } : {}),
      ...this.env,
    };
    const child = spawn(serverBinary(), [], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    child.stdout.pipe(this.logStream, { end: false });
    child.stderr.pipe(this.logStream, { end: false });
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    let exitedEarly = null;
    void this.exited.then((status) => {
      exitedEarly = status;
    });
    await waitFor(
      `replichat on port ${this.port} to answer /healthz`,
      async () => {
        if (exitedEarly) {
          throw new Error(
            `replichat exited during start-up (${JSON.stringify(exitedEarly)}); log ${this.logPath}:\n${this.logTail()}`,
          );
        }
        try {
          const res = await fetch(`${this.baseURL}/healthz`);
          return res.status === 200;
        } catch {
          return false;
        }
      },
      { timeoutMs: 30_000, intervalMs: 50, describe: () => this.logTail() },
    );
  }

  /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  async stop() {
    if (!this.child) {
      return;
    }
    const child = this.child;
    this.child = null;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killed = await Promise.race([this.exited, sleep(10_000, null, { ref: false })]);
      if (killed === null) {
        child.kill("SIGKILL");
        await this.exited;
      }
    }
    this.logStream?.write("=== stopped ===\n");
  }

  /** Stops the server and closes its log. */
  async dispose() {
    await this.stop();
    await new Promise((resolve) => (this.logStream ? this.logStream.end(resolve) : resolve()));
    this.logStream = null;
  }

  /** The last lines of the server log. */
  logTail(lines = 40) {
    try {
      return readFileSync(this.logPath, "utf8").split("\n").slice(-lines).join("\n");
    } catch {
      return "(no log)";
    }
  }
}
