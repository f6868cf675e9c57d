// A chat client: the real Replicache 15.3 (in-memory store) with the page's mutators,
// a poke subscription that pulls on open and on every poke (as the page does), and a
// Link that can take it offline or lose its push responses.
import { setMaxListeners } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Replicache } from "replicache";
import { indexes, listMessages, mutatorsFor } from "./mutators.mjs";
import { Link, realFetch, register, unregister } from "./network.mjs";
import { artifactDir } from "./paths.mjs";
import { openEventStream } from "./sse.mjs";

const MAX_LOG_LINES = 20_000;
// Replicache's retry sleeps each listen on one AbortSignal per client; a few clients
// retrying at once pass Node's default warning threshold of 10.
setMaxListeners(100);
let clientSerial = 0;

function random() {
  return Math.random().toString(36).slice(2, 10);
}

export class ChatClient {
  /**
   * @param {object} o
   * @param {string} o.baseURL   server address
   * @param {string} o.label     name in logs and message ids
   * @param {boolean} [o.poke]   subscribe to /api/replicache-poke (default true)
   * @param {number|null} [o.pullInterval] background pull interval (default: none)
   * @param {{user: string, token: string}|null} [o.login] a JWT user (default: anonymous)
   */
  constructor({ baseURL, label, poke = true, pullInterval = null, login = null }) {
    this.login = login;
    this.baseURL = baseURL;
    this.label = label;
    this.link = new Link(label);
    this.logs = [];
    this.errors = [];
    this.pokes = [];
    this.streamOpens = 0;
    this.sequence = 0;
    this.usePoke = poke;
    this.stream = null;
    const logs = this.logs;
    const errors = this.errors;
    this.rep = new Replicache({
      name: `${label}-${process.pid}-${clientSerial++}-${random()}`,
      kvStore: "mem",
      pushURL: `${baseURL}/api/replicache-push`,
      pullURL: `${baseURL}/api/replicache-pull`,
      mutators: mutatorsFor(login?.user ?? ""),
      indexes,
      auth: login ? `Bearer ${login.token}` : "",
      pullInterval,
      // Keep the retry backoff short so a client that comes back online catches up fast.
      requestOptions: { maxDelayMs: 1000 },
      // Debug logging on purpose: @rocicorp/logger > 5.2.2 crashes Replicache 15.3 here.
      logLevel: "debug",
      logSinks: [
        {
          log(level, context, ...args) {
            const line = `${new Date().toISOString()} ${level} ${context ? JSON.stringify(context) : ""} ${args
              .map((a) => (a instanceof Error ? a.stack : typeof a === "string" ? a : JSON.stringify(a)))
              .join(" ")}`;
            if (logs.length >= MAX_LOG_LINES) {
              logs.shift();
            }
            logs.push(line);
            if (level === "error") {
              errors.push(line);
            }
          },
        },
      ],
    });
    /** Times Replicache reported that the server lost this client's state. */
    this.clientStateNotFound = 0;
    this.rep.onClientStateNotFound = () => {
      this.clientStateNotFound++;
    };
    register(this.rep.clientID, this.link);
    if (poke) {
      this.#subscribe();
    }
  }

  /** The client's id (its mutations carry it). */
  get clientID() {
    return this.rep.clientID;
  }

  #subscribe() {
    const auth = this.login ? `?auth=${encodeURIComponent(this.login.token)}` : "";
    const url = `${this.baseURL}/api/replicache-poke${auth}`;
    this.stream = openEventStream(url, {
      fetchImpl: realFetch,
      onOpen: () => {
        this.streamOpens++;
        this.pullNow(false);
      },
      onMessage: (data) => {
        this.pokes.push({ data, at: Date.now() });
        this.pullNow(false);
      },
    });
    const stream = this.stream;
    // Reconnect like a browser's EventSource when the server goes away (restarts).
    void stream.closed.then(() => {
      if (this.stream === stream && !this.rep.closed && !this.link.offline) {
        setTimeout(() => {
          if (this.stream === stream && !this.rep.closed && !this.link.offline) {
            this.#subscribe();
          }
        }, 200);
      }
    });
  }

  /** Takes the client off the network (requests fail, the poke stream closes) or back. */
  setOffline(offline) {
    this.link.offline = offline;
    if (offline) {
      const stream = this.stream;
      this.stream = null;
      stream?.close();
    } else {
      if (this.usePoke && this.stream === null) {
        this.#subscribe();
      }
      this.pushNow();
      this.pullNow();
    }
  }

  /**
   * Asks Replicache to pull (`now`: without waiting out its retry backoff). The
   * outcome shows in the client's state; a pull cut short by close() is ignored.
   */
  pullNow(now = true) {
    this.rep.pull({ now }).catch(() => {});
  }

  /** Asks Replicache to push at once; see pullNow(). */
  pushNow() {
    this.rep.push({ now: true }).catch(() => {});
  }

  /** A new message id unique to this client. */
  newId() {
    return `${this.label}-${++this.sequence}-${random()}`;
  }

  /** Creates a message after the last one this client sees; returns its args. */
  async send(content) {
    const current = await this.messages();
    const order = current.length > 0 ? current[current.length - 1][1].order + 1 : 1;
    const args = { id: this.newId(), from: this.label, content, order };
    await this.rep.mutate.createMessage(args);
    return args;
  }

  /** `[[id, {from, content, order}], ...]` in display order. */
  messages() {
    return this.rep.query(listMessages);
  }

  /** Number of mutations not yet confirmed by a pull. */
  async pending() {
    // experimentalPendingMutations() does not wait for the cache to open; a query does.
    await this.rep.query(() => null);
    return (await this.rep.experimentalPendingMutations()).length;
  }

  /** Writes this client's Replicache log to artifacts/logs/<file>. */
  saveLog(file) {
    const path = join(artifactDir("logs"), file);
    writeFileSync(path, this.logs.join("\n") + "\n");
    return path;
  }

  async close() {
    const stream = this.stream;
    this.stream = null;
    stream?.close();
    await this.rep.close();
    unregister(this.rep.clientID);
  }
}
