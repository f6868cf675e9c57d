// The server loses its database under running clients (restored from nothing):
//   - a client whose cookie is now ahead of the server gets a full reset it accepts
//     (a cookie above its own), not a smaller cookie it would silently reject forever;
//   - its next push, whose mutation ids the server no longer knows, is answered with
//     {"error":"ClientStateNotFound"} on HTTP 200, which Replicache only honours with 200;
//   - a client started afterwards works normally.
import assert from "node:assert/strict";
import { serverView } from "../lib/probe.mjs";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { waitFor } from "../lib/wait.mjs";

scenario("server database lost: cookie ahead gets a reset, unknown client gets ClientStateNotFound", async (ctx) => {
  const server = await ctx.server();
  const alice = ctx.client(server, "alice");
  for (let i = 1; i <= 3; i++) {
    await alice.send(`before the loss ${i}`);
  }
  await drained(alice);
  await hasMessages(alice, 3);
  const aliceCookie = alice.link.pulls.filter((p) => p.status === 200).at(-1).body.cookie;

  // Same address, empty database; alice is kept away until the new server is checked.
  alice.setOffline(true);
  await server.stop();
  server.databaseUrl = ctx.otherDatabase().url;
  await server.start();
  assert.ok((await serverView(server.baseURL)).cookie < aliceCookie, "the new server's version is behind alice's cookie");
  alice.setOffline(false);

  await waitFor("alice to accept the server's reset", async () => (await alice.messages()).length === 0);
  const reset = alice.link.pulls.find((p) => p.status === 200 && p.cookie === aliceCookie && p.body.cookie !== aliceCookie);
  assert.ok(reset, "alice pulled with its old cookie");
  assert.ok(reset.body.cookie > aliceCookie, `the reset's cookie ${reset.body.cookie} is above alice's ${aliceCookie}`);
  assert.deepEqual(
    reset.body.patch,
    [{ op: "clear" }, { op: "put", key: "room/general", value: { name: "general", visibility: "public", owner: "" } }],
    "the reset clears the lost view (the new server holds only the room general)",
  );

  await alice.send("after the loss");
  const refused = await waitFor("the server to refuse alice's push", () =>
    alice.link.pushes.find((p) => p.body?.error === "ClientStateNotFound"),
  );
  assert.equal(refused.status, 200, "the error body comes with HTTP 200");
  await waitFor("Replicache to call onClientStateNotFound", () => alice.clientStateNotFound > 0);
  assert.deepEqual((await serverView(server.baseURL)).messages, [], "nothing of alice's was applied");

  const bob = ctx.client(server, "bob");
  const sent = await bob.send("bob starts fresh");
  await drained(bob);
  assert.deepEqual(await bob.messages(), [[sent.id, { from: "bob", content: sent.content, order: sent.order, roomID: "general", author: "" }]]);
  assert.deepEqual((await serverView(server.baseURL)).messages, await bob.messages());
  ctx.assertCleanProtocol({ allowErrors: /Client state not found on server/ });
});
