// A client offline for 10 mutations comes back; the response to its first push is
// lost after the server committed. Replicache pushes all 10 again; the server must
// apply each exactly once.
import assert from "node:assert/strict";
import { serverView } from "../lib/probe.mjs";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { sleep, waitFor } from "../lib/wait.mjs";

scenario("offline for 10 mutations, first push response lost: applied exactly once", async (ctx) => {
  const server = await ctx.server();
  const carol = ctx.client(server, "carol");
  const dave = ctx.client(server, "dave");

  const first = await carol.send("before going offline");
  await drained(carol);
  await hasMessages(dave, 1);
  const lmidBefore = carol.link.lmids.get(carol.clientID);
  assert.equal(lmidBefore, 1);

  // ---- offline: 8 creates, an update and a delete ----
  carol.setOffline(true);
  const created = [];
  for (let i = 1; i <= 8; i++) {
    created.push(await carol.send(`offline ${i}`));
  }
  await carol.rep.mutate.updateMessage({ id: created[0].id, content: "offline 1, edited" });
  await carol.rep.mutate.deleteMessage({ id: created[1].id });
  assert.equal(await carol.pending(), 10, "10 mutations wait while offline");
  assert.equal((await carol.messages()).length, 8, "the local view already shows them");
  await sleep(300);
  assert.equal((await dave.messages()).length, 1, "nothing reached the server while offline");
  const pushesWhileOffline = carol.link.pushes.length;
  const versionBefore = (await serverView(server.baseURL)).cookie;

  // ---- back online; the first push's response is lost, pulls held back ----
  carol.link.losePushResponses = 1;
  carol.link.blockPulls = true;
  carol.setOffline(false);
  const lost = await waitFor("the lost push", () => carol.link.pushes.find((p) => p.lost));
  const offlineIds = lost.mutations.filter((m) => m.clientID === carol.clientID).map((m) => m.id);
  assert.deepEqual(offlineIds, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "the first push carried all 10");
  assert.equal(lost.status, 200, "the server answered the push it committed");
  const versionAfterFirstPush = (await serverView(server.baseURL)).cookie;
  assert.ok(versionAfterFirstPush > versionBefore, "the lost push was committed");

  const resent = await waitFor("Replicache to push the same mutations again", () =>
    carol.link.pushes.find((p) => !p.lost && p.at >= lost.at && p.mutations.length > 0),
  );
  assert.deepEqual(
    resent.mutations.map((m) => m.id),
    offlineIds,
    "the retry resent every pending mutation",
  );
  assert.equal(resent.status, 200);
  assert.deepEqual(resent.body, {});
  // Replicache may push again (its connection loop retries while pulls are held back);
  // every push after the lost one must resend the same pending mutations and be acked.
  const afterLost = carol.link.pushes.slice(pushesWhileOffline).filter((p) => p.mutations.length > 0);
  assert.ok(afterLost.length >= 2, "one lost push and at least one retry");
  for (const push of afterLost) {
    assert.deepEqual(push.mutations.map((m) => m.id), offlineIds, "each retry resends the same mutations");
    assert.equal(push.status, 200);
  }

  // ---- let pulls through: confirmation and propagation ----
  carol.link.blockPulls = false;
  carol.pullNow();
  await drained(carol);
  await hasMessages(dave, 8);

  const expected = [first, ...created]
    .filter(({ id }) => id !== created[1].id)
    .map(({ id, from, content, order }) => [
      id,
      { from, content: id === created[0].id ? "offline 1, edited" : content, order, roomID: "general", author: "" },
    ]);
  const view = await serverView(server.baseURL);
  assert.deepEqual(view.messages, expected, "the server holds each mutation's effect once");
  assert.equal(view.cookie, versionAfterFirstPush, "replaying the 10 mutations committed nothing");
  assert.deepEqual(await dave.messages(), expected);
  assert.deepEqual(await carol.messages(), expected);
  assert.equal(carol.link.lmids.get(carol.clientID), 11, "lastMutationID is 11: 1 + 10, each counted once");
  ctx.assertCleanProtocol();
});
