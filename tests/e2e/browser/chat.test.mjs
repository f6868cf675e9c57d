// The chat page in headless Chromium: two browser contexts (two profiles, so two
// Replicache client groups) against one replichat serving web/dist.
//   1. a message typed in A appears in B within 2 s, without a reload;
//   2. B goes offline, sends 3 messages, comes back: each appears exactly once in A;
//   3. an edit and a delete of one's own messages reach the other context;
// and a screenshot of each context is saved under artifacts/.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { launchChromium } from "../lib/chromium.mjs";
import { backend, createDatabase } from "../lib/database.mjs";
import { ARTIFACTS_DIR, REPO_ROOT } from "../lib/paths.mjs";
import { serverView } from "../lib/probe.mjs";
import { ReplichatServer } from "../lib/server.mjs";
import { sleep } from "../lib/wait.mjs";

const WEB_DIST = join(REPO_ROOT, "web/dist");

/** Console noise a page makes while its context is offline, by design. */
const OFFLINE_NOISE = /ERR_INTERNET_DISCONNECTED|ERR_NETWORK_CHANGED|Failed to fetch|net::ERR_|EventSource/;

async function openChat(context, baseURL, name, problems) {
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`${name}: uncaught ${error.stack ?? error}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !OFFLINE_NOISE.test(message.text())) {
      problems.push(`${name}: console error ${message.text()}`);
    }
  });
  await page.setViewportSize({ width: 760, height: 560 });
  await page.goto(baseURL);
  await page.fill("#name", name);
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: 10_000 });
  return page;
}

/** The texts of the message list, in display order. */
function contents(page) {
  return page.locator("#messages li .content").allTextContents();
}

async function send(page, text) {
  await page.fill("#content", text);
  await page.press("#content", "Enter");
}

/** Waits until `page` shows a message whose content is exactly `text`; returns ms waited. */
async function waitForMessage(page, text, timeout) {
  const started = Date.now();
  await page.waitForFunction(
    (t) => [...document.querySelectorAll("#messages li .content")].some((el) => el.textContent === t),
    text,
    { timeout, polling: 10 },
  );
  return Date.now() - started;
}

test(`chat page in two Chromium contexts [${backend()}]`, { timeout: 120_000 }, async () => {
  const started = Date.now();
  const mark = (what) => console.log(`${String(Date.now() - started).padStart(6)} ms  ${what}`);
  assert.ok(existsSync(join(WEB_DIST, "index.html")), "web/dist is built (npm --prefix web run build)");
  const database = createDatabase("browser");
  const server = new ReplichatServer({ databaseUrl: database.url, webDir: WEB_DIST, label: `browser-${database.backend}` });
  const chromium = await launchChromium();
  const problems = [];
  try {
    await server.start();
    const { browser } = chromium;
    const contextA = await browser.newContext();
    const contextB = await browser.newContext();
    mark("browser and server up");
    const a = await openChat(contextA, server.baseURL, "Alice", problems);
    const b = await openChat(contextB, server.baseURL, "Bob", problems);

    mark("both pages online");
    // 1. live: A types, B shows it within 2 s, no reload.
    await send(a, "Hello from Alice");
    const latency = await waitForMessage(b, "Hello from Alice", 2000);
    console.log(`A -> B without reload: ${latency} ms`);
    await send(b, "Hi Alice, Bob here");
    await waitForMessage(a, "Hi Alice, Bob here", 2000);

    mark("live exchange done");
    // 2. B offline: 3 messages wait locally, then arrive exactly once.
    await contextB.setOffline(true);
    await b.locator('#connection[data-state="offline"]').waitFor({ timeout: 5000 });
    const offline = ["offline one", "offline two", "offline three"];
    for (const text of offline) {
      await send(b, text);
    }
    await b.locator('#pending[data-count="3"]').waitFor({ timeout: 5000 });
    for (const text of offline) {
      await waitForMessage(b, text, 2000); // optimistic local view
    }
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const offlineShot = join(ARTIFACTS_DIR, "chat-bob-offline.png");
    await b.screenshot({ path: offlineShot });
    await sleep(500);
    assert.deepEqual(
      (await contents(a)).filter((t) => offline.includes(t)),
      [],
      "nothing left B while it was offline",
    );

    const backOnline = Date.now();
    await contextB.setOffline(false);
    for (const text of offline) {
      await waitForMessage(a, text, 10_000);
    }
    console.log(`B back online -> its 3 messages shown in A: ${Date.now() - backOnline} ms`);
    await b.locator('#pending[data-count="0"]').waitFor({ timeout: 10_000 });
    await b.locator('#connection[data-state="online"]').waitFor({ timeout: 10_000 });
    await sleep(1000); // a duplicate would arrive with a later pull
    for (const page of [a, b]) {
      const shown = await contents(page);
      for (const text of offline) {
        assert.equal(shown.filter((t) => t === text).length, 1, `"${text}" appears exactly once`);
      }
    }
    const onServer = (await serverView(server.baseURL)).messages.map(([, m]) => m.content);
    for (const text of offline) {
      assert.equal(onServer.filter((t) => t === text).length, 1, `"${text}" is stored exactly once`);
    }

    mark("offline round done");
    // 3. edit and delete one's own messages.
    const aliceOnB = b.locator("#messages li", { hasText: "Hello from Alice" });
    assert.equal(await aliceOnB.locator("button.edit").count(), 0, "Bob cannot edit Alice's message");
    const aliceId = await a.locator("#messages li", { hasText: "Hello from Alice" }).getAttribute("data-id");
    const aliceOnA = a.locator(`#messages li[data-id="${aliceId}"]`);
    await aliceOnA.locator("button.edit").click();
    await aliceOnA.locator("input.edit-input").fill("Hello from Alice (edited)");
    await aliceOnA.locator("input.edit-input").press("Enter");
    await waitForMessage(b, "Hello from Alice (edited)", 2000);

    await send(b, "a typo to delete");
    await waitForMessage(a, "a typo to delete", 2000);
    await b.locator("#messages li", { hasText: "a typo to delete" }).locator("button.delete").click();
    await a.waitForFunction(
      () => ![...document.querySelectorAll("#messages li .content")].some((el) => el.textContent === "a typo to delete"),
      null,
      { timeout: 2000 },
    );

    await b.locator('#pending[data-count="0"]').waitFor({ timeout: 10_000 });
    await a.locator('#pending[data-count="0"]').waitFor({ timeout: 10_000 });
    const expected = ["Hello from Alice (edited)", "Hi Alice, Bob here", ...offline];
    assert.deepEqual(await contents(a), expected, "A's final list");
    assert.deepEqual(await contents(b), expected, "B's final list, in the same order");
    assert.deepEqual(problems, [], "no page errors");

    mark("edit and delete done");
    // Screenshots of both contexts.
    console.log(`screenshot: ${offlineShot}`);
    const shots = [
      [a, join(ARTIFACTS_DIR, "chat-alice.png")],
      [b, join(ARTIFACTS_DIR, "chat-bob.png")],
    ];
    for (const [page, path] of shots) {
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
    }
    if (process.env.E2E_UPDATE_DOCS_SCREENSHOT) {
      mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
      copyFileSync(shots[0][1], join(REPO_ROOT, "docs/chat.png"));
      console.log(`updated ${join(REPO_ROOT, "docs/chat.png")}`);
    }
    await contextA.close();
    await contextB.close();
  } catch (e) {
    e.message += `\nserver log: ${server.logPath}${problems.length ? `\npage problems:\n${problems.join("\n")}` : ""}`;
    throw e;
  } finally {
    // Each cleanup runs even when an earlier one fails: a server left running would
    // keep the test runner waiting.
    try {
      await chromium.close();
    } finally {
      try {
        await server.dispose();
      } finally {
        database.drop();
      }
    }
  }
});
