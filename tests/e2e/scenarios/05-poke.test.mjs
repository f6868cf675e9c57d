// A poke on the SSE stream makes the other client pull and show the change within
// 1 s. A client without the subscription (and without background pulls) shows that
// nothing else brings the change.
import assert from "node:assert/strict";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { waitFor } from "../lib/wait.mjs";

scenario("a poke leads the other client to pull and see the change within 1 s", async (ctx) => {
  const server = await ctx.server();
  const alice = ctx.client(server, "alice");
  const bob = ctx.client(server, "bob");
  const carol = ctx.client(server, "carol", { poke: false });

  await waitFor("both poke streams to open", () => alice.streamOpens > 0 && bob.streamOpens > 0);
  await waitFor("carol's first pull", () => carol.link.pulls.some((p) => p.status === 200));

  const latencies = [];
  for (let i = 1; i <= 5; i++) {
    const pushesBefore = alice.link.pushes.length;
    const pokesBefore = bob.pokes.length;
    const { id } = await alice.send(`poke test ${i}`);
    const push = await waitFor("alice's push", () =>
      alice.link.pushes.slice(pushesBefore).find((p) => p.status === 200 && p.mutations.some((m) => m.id === i)),
    );
    await waitFor(
      `bob to show message ${i} within 1 s of the push`,
      async () => (await bob.messages()).some(([mid]) => mid === id),
      { timeoutMs: 1000, intervalMs: 5 },
    );
    latencies.push(Date.now() - push.at);
    const poke = bob.pokes.slice(pokesBefore)[0];
    assert.ok(poke, `bob received a poke for message ${i}`);
    assert.equal(poke.data, "poke");
    const pull = bob.link.pulls.find((p) => p.at >= poke.at && p.body?.patch?.some((op) => op.key === `message/${id}`));
    assert.ok(pull, `bob's pull after the poke brought message ${i}`);
  }
  assert.ok(Math.max(...latencies) < 1000, `latencies ${latencies.join(", ")} ms`);
  console.log(`push -> visible on the other client: ${latencies.join(", ")} ms`);

  await drained(alice);
  assert.equal((await carol.messages()).length, 0, "without pokes nothing made carol pull");
  carol.pullNow();
  await hasMessages(carol, 5);
  assert.deepEqual(await carol.messages(), await bob.messages());
  ctx.assertCleanProtocol();
});
