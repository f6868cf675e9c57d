// Updates and deletes propagate to a live client and to one that comes back with an
// old cookie, under both pull strategies.
import assert from "node:assert/strict";
import { rawPull, serverView } from "../lib/probe.mjs";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { waitFor } from "../lib/wait.mjs";

function lastCookie(client) {
  const ok = client.link.pulls.filter((p) => p.status === 200 && typeof p.body?.cookie === "number");
  return ok.at(-1)?.body.cookie ?? null;
}

for (const strategy of ["version", "reset"]) {
  scenario(`update and delete propagate, also to an old cookie (${strategy} strategy)`, async (ctx) => {
    const server = await ctx.server({ strategy });
    const alice = ctx.client(server, "alice");
    const bob = ctx.client(server, "bob");
    const erin = ctx.client(server, "erin");

    const sent = [];
    for (let i = 1; i <= 4; i++) {
      sent.push(await alice.send(`original ${i}`));
    }
    for (const client of [alice, bob, erin]) {
      await hasMessages(client, 4);
    }
    await drained(alice);

    // erin drops off the network, keeping the cookie of what it has seen.
    await waitFor("erin's last pull to carry the 4 messages", async () => lastCookie(erin) === (await serverView(server.baseURL)).cookie);
    erin.setOffline(true);
    const oldCookie = lastCookie(erin);

    await alice.rep.mutate.updateMessage({ id: sent[0].id, content: "first, edited" });
    await alice.rep.mutate.deleteMessage({ id: sent[1].id });
    await alice.rep.mutate.updateMessage({ id: sent[2].id, content: "third, edited once" });
    await alice.rep.mutate.updateMessage({ id: sent[2].id, content: "third, edited twice" });
    const shortLived = await alice.send("created and deleted while erin was away");
    await alice.rep.mutate.deleteMessage({ id: shortLived.id });

    const expected = [
      [sent[0].id, { from: "alice", content: "first, edited", order: sent[0].order, roomID: "general", author: "" }],
      [sent[2].id, { from: "alice", content: "third, edited twice", order: sent[2].order, roomID: "general", author: "" }],
      [sent[3].id, { from: "alice", content: "original 4", order: sent[3].order, roomID: "general", author: "" }],
    ];
    await drained(alice);
    await waitFor("bob to see the edits and deletes", async () =>
      JSON.stringify(await bob.messages()) === JSON.stringify(expected),
    );
    assert.deepEqual(await alice.messages(), expected);
    assert.deepEqual((await serverView(server.baseURL)).messages, expected, "the server agrees");
    assert.deepEqual(await erin.messages(), sent.map(({ id, from, content, order }) => [id, { from, content, order, roomID: "general", author: "" }]),
      "erin still shows the old state");

    // erin comes back and pulls from its old cookie.
    const pullsBefore = erin.link.pulls.length;
    erin.setOffline(false);
    await waitFor("erin to catch up", async () => JSON.stringify(await erin.messages()) === JSON.stringify(expected));
    const catchUp = erin.link.pulls.slice(pullsBefore).find((p) => p.status === 200);
    assert.equal(catchUp.cookie, oldCookie, "erin pulled from its old cookie");
    assert.ok(catchUp.body.cookie > oldCookie);
    const ops = new Map(catchUp.body.patch.filter((op) => op.op !== "clear").map((op) => [op.key, op]));
    if (strategy === "version") {
      assert.ok(!catchUp.body.patch.some((op) => op.op === "clear"), "version strategy: incremental patch");
      assert.deepEqual(ops.get(`message/${sent[1].id}`), { op: "del", key: `message/${sent[1].id}` });
      assert.deepEqual(ops.get(`message/${sent[0].id}`), { op: "put", key: `message/${sent[0].id}`, value: expected[0][1] });
      assert.deepEqual(ops.get(`message/${sent[2].id}`), { op: "put", key: `message/${sent[2].id}`, value: expected[1][1] });
      assert.ok(!ops.has(`message/${sent[3].id}`), "an unchanged message is not resent");
    } else {
      assert.deepEqual(catchUp.body.patch[0], { op: "clear" }, "reset strategy: clear first");
      assert.ok(!ops.has(`message/${sent[1].id}`), "the deleted message is not in the reset view");
    }
    assert.ok(!ops.has(`message/${shortLived.id}`) || ops.get(`message/${shortLived.id}`).op === "del");

    // The deleted keys never come back, whatever the cookie.
    for (const cookie of [null, 0, oldCookie]) {
      const body = await rawPull(server.baseURL, { cookie });
      const puts = body.patch.filter((op) => op.op === "put").map((op) => op.key);
      assert.ok(!puts.includes(`message/${sent[1].id}`), `no put of the deleted message from cookie ${cookie}`);
      assert.ok(!puts.includes(`message/${shortLived.id}`), `no put of the short-lived message from cookie ${cookie}`);
    }
    await drained(erin);
    assert.deepEqual(await bob.messages(), expected);
    ctx.assertCleanProtocol();
  });
}
