// The tests' own protocol calls, beside the clients: what the server holds.
import { realFetch } from "./network.mjs";

function randomGroup() {
  return `probe${Math.random().toString(36).slice(2, 14)}`;
}

/** POSTs a v1 pull and returns the parsed body (throws on a non-200 answer). */
export async function rawPull(baseURL, { clientGroupID = randomGroup(), cookie = null } = {}) {
  const response = await realFetch(`${baseURL}/api/replicache-pull`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ pullVersion: 1, clientGroupID, cookie, profileID: "pprobe", schemaVersion: "" }),
  });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`pull answered ${response.status}: ${text}`);
  }
  return JSON.parse(text);
}

/**
 * The full server view seen by a fresh client group: `{cookie, messages}` with
 * `messages` as `[[id, value], ...]` sorted like the page sorts them.
 */
export async function serverView(baseURL) {
  const body = await rawPull(baseURL);
  const messages = [];
  for (const op of body.patch) {
    if (op.op === "put" && op.key.startsWith("message/")) {
      messages.push([op.key.slice("message/".length), op.value]);
    }
  }
  messages.sort(([idA, a], [idB, b]) => (a.order !== b.order ? a.order - b.order : idA < idB ? -1 : idA > idB ? 1 : 0));
  return { cookie: body.cookie, messages };
}
