// One scenario = one fresh database, one or more server processes, some clients, and
// a clean-up that always runs. On failure the clients' Replicache logs are saved and
// the paths of every log are added to the error.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ChatClient } from "./client.mjs";
import { backend, createDatabase } from "./database.mjs";
import { ReplichatServer } from "./server.mjs";
import { waitFor } from "./wait.mjs";

/** Replicache error-log lines that a scenario provokes on purpose (offline, lost responses). */
const EXPECTED_ERRORS = /fetch failed \(.* (is offline|push response lost on the way back)\)/;

class Context {
  constructor(name) {
    this.name = name;
    this.slug = name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase();
    this.database = createDatabase(this.slug.slice(0, 40));
    this.extraDatabases = [];
    this.servers = [];
    this.clients = [];
  }

  /** Starts a server on this scenario's database. */
  async server(options = {}) {
    const server = new ReplichatServer({
      databaseUrl: this.database.url,
      label: `${this.slug}-${this.database.backend}`,
      ...options,
    });
    this.servers.push(server);
    await server.start();
    return server;
  }

  /** Another fresh database, dropped with the scenario's. */
  otherDatabase() {
    const database = createDatabase(`${this.slug.slice(0, 36)}-2`);
    this.extraDatabases.push(database);
    return database;
  }

  /** Opens a chat client against `server`. */
  client(server, label, options = {}) {
    const client = new ChatClient({ baseURL: server.baseURL, label, ...options });
    this.clients.push(client);
    return client;
  }

  /**
   * Final checks every scenario ends with: no protocol rule broken in any pull
   * response, and no Replicache error logged except the provoked network failures.
   */
  assertCleanProtocol({ allowErrors } = {}) {
    for (const client of this.clients) {
      assert.deepEqual(client.link.violations, [], `${client.label}: pull responses broke the protocol`);
      const unexpected = client.errors.filter(
        (line) => !EXPECTED_ERRORS.test(line) && !(allowErrors && allowErrors.test(line)),
      );
      assert.deepEqual(unexpected, [], `${client.label}: Replicache logged errors`);
    }
  }

  async cleanup(failed) {
    const notes = [];
    for (const client of this.clients) {
      if (failed) {
        notes.push(`client log: ${client.saveLog(`${this.slug}-${this.database.backend}-${client.label}.log`)}`);
      }
      await client.close().catch((e) => notes.push(`closing ${client.label}: ${e.message}`));
    }
    for (const server of this.servers) {
      await server.dispose().catch((e) => notes.push(`stopping server: ${e.message}`));
      notes.push(`server log: ${server.logPath}`);
    }
    for (const database of [this.database, ...this.extraDatabases]) {
      try {
        database.drop();
      } catch (e) {
        notes.push(`dropping the database: ${e.message}`);
      }
    }
    return notes;
  }
}

/** Declares a scenario running `body(ctx)` on the backend chosen by E2E_DB. */
export function scenario(name, body, { timeout = 60_000 } = {}) {
  test(`${name} [${backend()}]`, { timeout }, async () => {
    const ctx = new Context(name);
    let failure = null;
    try {
      await body(ctx);
    } catch (e) {
      failure = e;
    }
    const notes = await ctx.cleanup(failure !== null);
    if (failure) {
      failure.message += `\n${notes.join("\n")}`;
      throw failure;
    }
  });
}

/** Waits until `client` has no pending mutation. */
export function drained(client, timeoutMs = 10_000) {
  return waitFor(
    `${client.label}'s pending mutations to drain`,
    async () => (await client.pending()) === 0,
    { timeoutMs, describe: async () => `${await client.pending()} still pending` },
  );
}

/** Waits until `client` shows `count` messages. */
export function hasMessages(client, count, timeoutMs = 10_000) {
  return waitFor(
    `${client.label} to show ${count} messages`,
    async () => (await client.messages()).length === count,
    { timeoutMs, describe: async () => `it shows ${(await client.messages()).length}` },
  );
}
