// Rooms with real Replicache clients and JWT users (development login): two users share
// a private room and chat live, a third sees nothing of it, a removal empties the
// removed user's view of it, and a post to a room one cannot read is refused with an
// error/ entry in the poster's view.
import assert from "node:assert/strict";
import { drained, scenario } from "../lib/scenario.mjs";
import { listRoomMessages } from "../lib/mutators.mjs";
import { waitFor } from "../lib/wait.mjs";

const AUTH = { ROCKET_AUTH: "jwt", ROCKET_JWT_SECRET: "e2e-dev-secret", ROCKET_DEV_LOGIN: "true" };

async function login(server, user) {
  const response = await fetch(`${server.baseURL}/api/dev-login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ user }),
  });
  assert.equal(response.status, 200);
  return { user, token: (await response.json()).token };
}

/** Every key of a client's view. */
async function keys(client) {
  return client.rep.query(async (tx) => (await tx.scan().keys().toArray()).map(String));
}

scenario("private room: shared by its members, invisible to others, emptied on removal", async (ctx) => {
  const server = await ctx.server({ env: AUTH });
  const alice = ctx.client(server, "alice", { login: await login(server, "alice") });
  const bob = ctx.client(server, "bob", { login: await login(server, "bob") });
  const carol = ctx.client(server, "carol", { login: await login(server, "carol") });
  await waitFor("three poke streams", () => [alice, bob, carol].every((c) => c.streamOpens > 0));

  await alice.rep.mutate.createRoom({ id: "plans", name: "Plans", visibility: "private" });
  await alice.rep.mutate.addMember({ roomID: "plans", userID: "bob" });
  await alice.rep.mutate.createMessage({ id: "a1", from: "Alice", content: "for bob", order: 1, roomID: "plans" });
  await waitFor("bob to see the room and its message", async () =>
    (await keys(bob)).includes("message/a1"),
  );
  await bob.rep.mutate.createMessage({ id: "b1", from: "Bob", content: "thanks", order: 2, roomID: "plans" });
  await waitFor("alice to see bob's answer", async () =>
    (await alice.rep.query((tx) => listRoomMessages(tx, "plans"))).some(([id]) => id === "b1"),
  );
  const [bobMessage] = (await alice.rep.query((tx) => listRoomMessages(tx, "plans"))).filter(([id]) => id === "b1");
  assert.equal(bobMessage[1].author, "bob", "the author is the authenticated user");

  // Carol tries to post there: refused, with the reason in her own view only.
  await carol.rep.mutate.createMessage({ id: "c1", from: "Carol", content: "let me in", order: 3, roomID: "plans" });
  await drained(carol);
  const errorKey = await waitFor("carol's error entry", async () =>
    (await keys(carol)).find((key) => key.startsWith(`error/${carol.clientID}/`)),
  );
  const error = await carol.rep.query((tx) => tx.get(errorKey));
  assert.deepEqual(error, { name: "createMessage", message: "not a member of room plans" });
  assert.ok(!(await keys(carol)).some((key) => key.includes("plans") || key === "message/a1"));
  assert.ok(!(await keys(alice)).some((key) => key.startsWith("error/")), "alice sees no one's errors");

  // Alice removes Bob: his view loses the room and everything in it.
  await alice.rep.mutate.removeMember({ roomID: "plans", userID: "bob" });
  await waitFor("bob's view to lose the room", async () =>
    !(await keys(bob)).some((key) => key.includes("plans") || key === "message/a1" || key === "message/b1"),
  );
  await alice.rep.mutate.createMessage({ id: "a2", from: "Alice", content: "bob is gone", order: 4, roomID: "plans" });
  await drained(alice);
  await bob.rep.pull();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(!(await keys(bob)).includes("message/a2"), "nothing of the room comes back");
  for (const client of [alice, bob, carol]) {
    await drained(client);
  }
  ctx.assertCleanProtocol();
});
