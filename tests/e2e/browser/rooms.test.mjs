// Rooms on the chat page in headless Chromium, against a replichat with JWT
// authentication and the development login: Alice and Bob log in, Alice creates a
// private room and invites Bob, both chat there live, Carol (a third context) never sees
// the room, and when Alice removes Bob the room disappears from Bob's page. Bob's page is
// 390 px wide, a phone's width. Screenshots of the three contexts go to artifacts/.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { launchChromium } from "../lib/chromium.mjs";
import { backend, createDatabase } from "../lib/database.mjs";
import { ARTIFACTS_DIR, REPO_ROOT } from "../lib/paths.mjs";
import { ReplichatServer } from "../lib/server.mjs";
import { sleep } from "../lib/wait.mjs";

const WEB_DIST = join(REPO_ROOT, "web/dist");

/** Logs in as `user` on a fresh page of `context`; returns the page once it is online. */
async function logIn(context, baseURL, user, width, problems) {
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`${user}: uncaught ${error.stack ?? error}`));
  page.on("console", (message) => {
    if (message.type() === "error") {
      problems.push(`${user}: console error ${message.text()}`);
    }
  });
  await page.setViewportSize({ width, height: 700 });
  await page.goto(baseURL);
  await page.locator("#login:not([hidden])").waitFor({ timeout: 10_000 });
  await page.fill("#login-user", user);
  await page.click("#login-button");
  await page.locator("#user:not([hidden])", { hasText: user }).waitFor({ timeout: 10_000 });
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: 10_000 });
  await page.fill("#name", user);
  return page;
}

/** The names in the room list. */
function roomNames(page) {
  return page.locator("#room-list li button").allTextContents();
}

async function send(page, text) {
  await page.fill("#content", text);
  await page.press("#content", "Enter");
}

async function waitForMessage(page, text, timeout = 3000) {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll("#messages li .content")].some((el) => el.textContent === t),
    text,
    { timeout, polling: 20 },
  );
}

test(`rooms on the chat page: private room, live chat, removal [${backend()}]`, { timeout: 120_000 }, async () => {
  assert.ok(existsSync(join(WEB_DIST, "index.html")), "web/dist is built (npm --prefix web run build)");
  const database = createDatabase("rooms-browser");
  const server = new ReplichatServer({
    databaseUrl: database.url,
    webDir: WEB_DIST,
    label: `rooms-browser-${database.backend}`,
    env: { ROCKET_AUTH: "jwt", ROCKET_JWT_SECRET: "e2e-dev-secret", ROCKET_DEV_LOGIN: "true" },
  });
  const chromium = await launchChromium();
  const problems = [];
  try {
    await server.start();
    const { browser } = chromium;
    const [ca, cb, cc] = [await browser.newContext(), await browser.newContext(), await browser.newContext()];
    const alice = await logIn(ca, server.baseURL, "alice", 900, problems);
    const bob = await logIn(cb, server.baseURL, "bob", 390, problems);
    const carol = await logIn(cc, server.baseURL, "carol", 900, problems);

    // Alice creates a private room and invites Bob; both chat there live.
    await alice.fill("#room-name", "plans");
    await alice.selectOption("#room-visibility", "private");
    await alice.click("#create-room");
    await alice.locator("#room-list li.current", { hasText: "plans" }).waitFor({ timeout: 3000 });
    await alice.fill("#invite-user", "bob");
    await alice.click("#invite-button");
    await alice.locator("#member-list li", { hasText: "bob" }).waitFor({ timeout: 3000 });
    await send(alice, "a secret for bob");
    await bob.locator("#room-list li", { hasText: "plans" }).waitFor({ timeout: 3000 });
    await bob.locator("#room-list li button", { hasText: "plans" }).click();
    await waitForMessage(bob, "a secret for bob");
    await send(bob, "got it, alice");
    await waitForMessage(alice, "got it, alice");
    assert.equal(
      await bob.locator("#messages li", { hasText: "a secret for bob" }).locator("button.edit").count(),
      0,
      "Bob cannot edit Alice's message",
    );

    // Carol never sees the room; general is shared by all.
    await send(carol, "hello everyone");
    await waitForMessage(alice, "hello everyone").catch(async () => {
      await alice.locator("#room-list li button", { hasText: "general" }).click();
      await waitForMessage(alice, "hello everyone");
    });
    await sleep(300);
    assert.ok(!(await roomNames(carol)).some((name) => name.includes("plans")), "carol sees no private room");

    // Bob's narrow page does not scroll sideways.
    const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at 390 px (overflow ${overflow} px)`);

    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const shots = [
      [alice, join(ARTIFACTS_DIR, "rooms-alice.png")],
      [bob, join(ARTIFACTS_DIR, "rooms-bob-390px.png")],
      [carol, join(ARTIFACTS_DIR, "rooms-carol.png")],
    ];
    await alice.locator("#room-list li button", { hasText: "plans" }).click();
    await waitForMessage(alice, "got it, alice");
    for (const [page, path] of shots) {
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
    }
    if (process.env.E2E_UPDATE_DOCS_SCREENSHOT) {
      copyFileSync(shots[0][1], join(REPO_ROOT, "docs/chat.png"));
      console.log(`updated ${join(REPO_ROOT, "docs/chat.png")}`);
    }

    // Alice removes Bob: the room disappears from Bob's page.
    await alice.locator("#member-list li", { hasText: "bob" }).locator("button.remove").click();
    await bob.waitForFunction(
      () => ![...document.querySelectorAll("#room-list li button")].some((b) => b.textContent?.includes("plans")),
      null,
      { timeout: 5000, polling: 20 },
    );
    assert.ok(
      !(await bob.locator("#messages li .content").allTextContents()).includes("a secret for bob"),
      "the room's messages left Bob's page",
    );
    assert.deepEqual(problems, [], "no page errors");
    for (const context of [ca, cb, cc]) {
      await context.close();
    }
  } catch (e) {
    e.message += `\nserver log: ${server.logPath}${problems.length ? `\npage problems:\n${problems.join("\n")}` : ""}`;
    throw e;
  } finally {
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
