// Polling helpers with deadlines.
import { setTimeout as sleep } from "node:timers/promises";

export { sleep };

/**
 * Polls `probe` until it returns a truthy value (which is returned) or `timeoutMs`
 * passes; then throws with `what` and the last value `describe` gives.
 */
export async function waitFor(what, probe, { timeoutMs = 10_000, intervalMs = 20, describe } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last) {
      return last;
    }
    if (Date.now() > deadline) {
      const detail = describe ? `: ${await describe()}` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}
