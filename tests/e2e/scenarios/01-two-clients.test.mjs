// Two clients: 20 messages written by A appear in B with identical values, and A's
// pending mutations drain to 0.
import assert from "node:assert/strict";
import { serverView } from "../lib/probe.mjs";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { sleep, waitFor } from "../lib/wait.mjs";

scenario("two clients: 20 messages from A appear in B", async (ctx) => {
  const server = await ctx.server();
  const a = ctx.client(server, "alice");
  const b = ctx.client(server, "bob");

  // Both are live (subscribed, first pull done) before A writes, so B can only learn
  // of the messages through pokes and the pulls they trigger.
  await waitFor("both poke streams to open", () => a.streamOpens > 0 && b.streamOpens > 0);
  await waitFor("B's first pull", () => b.link.pulls.length > 0);
  const sent = [];
  for (let i = 0; i < 20; i++) {
    sent.push(await a.send(`message ${i} from alice ✓ "quoted" <b>not html</b>`));
    await sleep(15);
  }

  await hasMessages(b, 20);
  await drained(a);

  const expected = sent.map(({ id, from, content, order }) => [id, { from, content, order, roomID: "general", author: "" }]);
  assert.deepEqual(await b.messages(), expected, "B shows A's 20 messages with identical values");
  assert.deepEqual(await a.messages(), expected, "A's confirmed view equals what it wrote");
  assert.equal(await a.pending(), 0);
  assert.equal(await b.pending(), 0);
  assert.deepEqual((await serverView(server.baseURL)).messages, expected, "the server holds the same 20");

  // Every mutation was confirmed through a pull: A's lastMutationID reached 20.
  assert.equal(a.link.lmids.get(a.clientID), 20);
  ctx.assertCleanProtocol();
});
