// Debian's Chromium, started by the test itself with a fresh profile, and driven by
// playwright-core over the DevTools protocol (no downloaded browser).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { sleep } from "./wait.mjs";

/** The browser binary: CHROMIUM_PATH or Debian's /usr/bin/chromium. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The flags the machine needs: no sandbox as root, no GPU, no calls home. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
  "--no-default-browser-check",
];

/**
 * Starts Chromium with a new empty --user-data-dir and connects playwright-core to
 * it. Returns `{browser, close()}`; close() ends the process and removes the profile.
 */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium chromium-driver`);
  }
  const profile = mkdtempSync(join(tmpdir(), "replichat-chromium-"));
  const child = spawn(
    CHROMIUM,
    [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, "--remote-debugging-port=0", "about:blank"],
    // Its own process group, so close() can end the helper processes with it.
    { stdio: ["ignore", "ignore", "pipe"], detached: true },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  let stderr = "";
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not start in 30 s:\n${stderr}`)), 30_000);
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code}:\n${stderr}`));
    });
  });
  const browser = await chromium.connectOverCDP(endpoint);
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      if (child.exitCode === null && child.signalCode === null) {
        signalGroup(child, "SIGTERM");
        const done = await Promise.race([exited.then(() => true), sleep(5000, false, { ref: false })]);
        if (!done) {
          signalGroup(child, "SIGKILL");
          await exited;
        }
      }
      // Helper processes that outlive the main one may still be writing the profile.
      signalGroup(child, "SIGKILL");
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (e) {
        console.warn(`could not remove the Chromium profile ${profile}: ${e.message}`);
      }
    },
  };
}

/** Sends `signal` to the process group of `child`; a group already gone is fine. */
function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: nothing left to signal.
  }
}
