// Restarting the server on the same database with the other pull strategy
// (reset -> version -> reset) does not break clients that keep their cookies: every
// pull is accepted (cookies never go back), and all clients converge.
import assert from "node:assert/strict";
import { serverView } from "../lib/probe.mjs";
import { drained, scenario } from "../lib/scenario.mjs";
import { waitFor } from "../lib/wait.mjs";

function acceptedCookies(client) {
  return client.link.pulls.filter((p) => p.status === 200 && typeof p.body?.cookie === "number");
}

async function converged(server, clients) {
  for (const client of clients) {
    await drained(client, 15_000);
  }
  const { messages } = await serverView(server.baseURL);
  for (const client of clients) {
    await waitFor(
      `${client.label} to show the server's ${messages.length} messages`,
      async () => JSON.stringify(await client.messages()) === JSON.stringify(messages),
      { timeoutMs: 15_000, describe: async () => JSON.stringify(await client.messages()) },
    );
  }
  return messages;
}

scenario("switching reset <-> version on the same database keeps clients working", async (ctx) => {
  const server = await ctx.server({ strategy: "reset" });
  const alice = ctx.client(server, "alice");
  const bob = ctx.client(server, "bob");
  const erin = ctx.client(server, "erin");
  const all = [alice, bob, erin];

  // ---- reset ----
  const sent = [];
  for (let i = 1; i <= 3; i++) {
    sent.push(await alice.send(`reset phase ${i}`));
  }
  await converged(server, all);
  erin.setOffline(true);
  const erinCookie = acceptedCookies(erin).at(-1).body.cookie;
  const bobCookie = acceptedCookies(bob).at(-1).body.cookie;

  // ---- restart: version ----
  const bobPullsBefore = bob.link.pulls.length;
  await server.stop();
  sent.push(await alice.send("written while the server was down"));
  await server.start({ strategy: "version" });
  sent.push(await alice.send("version phase"));
  await alice.rep.mutate.updateMessage({ id: sent[0].id, content: "edited under version" });
  await alice.rep.mutate.deleteMessage({ id: sent[1].id });
  await converged(server, [alice, bob]);
  const bobFirst = bob.link.pulls.slice(bobPullsBefore).find((p) => p.status === 200);
  assert.equal(bobFirst.cookie, bobCookie, "bob kept its reset-era cookie across the restart");
  assert.ok(!bobFirst.body.patch.some((op) => op.op === "clear"), "and got an incremental patch");

  const erinPullsBefore = erin.link.pulls.length;
  erin.setOffline(false);
  await converged(server, all);
  const erinFirst = erin.link.pulls.slice(erinPullsBefore).find((p) => p.status === 200);
  assert.equal(erinFirst.cookie, erinCookie, "erin came back with its reset-era cookie");
  assert.ok(
    erinFirst.body.patch.some((op) => op.op === "del" && op.key === `message/${sent[1].id}`),
    "erin learned of the delete incrementally",
  );

  // ---- restart: reset again ----
  const bobPullsBeforeReset = bob.link.pulls.length;
  await server.stop();
  await server.start({ strategy: "reset" });
  sent.push(await bob.send("reset again"));
  await alice.rep.mutate.deleteMessage({ id: sent[2].id });
  const final = await converged(server, all);
  const bobAfterReset = bob.link.pulls.slice(bobPullsBeforeReset).find((p) => p.status === 200 && p.body.patch.length > 0);
  assert.deepEqual(bobAfterReset.body.patch[0], { op: "clear" }, "the reset strategy is in force again");

  const expectedIds = [sent[0].id, sent[3].id, sent[4].id, sent[5].id];
  assert.deepEqual(final.map(([id]) => id).sort(), [...expectedIds].sort());
  assert.equal(final.find(([id]) => id === sent[0].id)[1].content, "edited under version");
  for (const client of all) {
    const cookies = acceptedCookies(client).map((p) => p.body.cookie);
    assert.deepEqual(cookies, [...cookies].sort((x, y) => x - y), `${client.label}'s cookies never went back`);
    assert.deepEqual(await client.messages(), final);
  }
  ctx.assertCleanProtocol();
});
