// Four clients writing 25 messages each at the same time converge to the same 100,
// under both pull strategies.
import assert from "node:assert/strict";
import { serverView } from "../lib/probe.mjs";
import { drained, hasMessages, scenario } from "../lib/scenario.mjs";
import { sleep } from "../lib/wait.mjs";

for (const strategy of ["version", "reset"]) {
  scenario(`4 clients x 25 concurrent messages converge to the same 100 (${strategy} strategy)`, async (ctx) => {
    const server = await ctx.server({ strategy });
    const clients = ["w1", "w2", "w3", "w4"].map((label) => ctx.client(server, label));

    const written = await Promise.all(
      clients.map(async (client) => {
        const sent = [];
        for (let i = 0; i < 25; i++) {
          sent.push(await client.send(`${client.label} #${i}`));
          // Interleave the writers' pushes and pulls a little differently each time.
          await sleep(Math.floor(Math.random() * 8));
        }
        return sent;
      }),
    );

    for (const client of clients) {
      await hasMessages(client, 100, 20_000);
      await drained(client, 20_000);
    }

    const expected = new Map(written.flat().map(({ id, from, content, order }) => [id, { from, content, order, roomID: "general", author: "" }]));
    assert.equal(expected.size, 100, "100 distinct ids were written");
    const { messages: onServer } = await serverView(server.baseURL);
    assert.equal(onServer.length, 100);
    assert.deepEqual(new Map(onServer), expected, "the server holds exactly the 100 messages written");
    for (const client of clients) {
      assert.deepEqual(await client.messages(), onServer, `${client.label} shows the server's 100 in the same order`);
      assert.equal(client.link.lmids.get(client.clientID), 25, `${client.label}'s 25 mutations are confirmed`);
    }
    ctx.assertCleanProtocol();
  });
}
