// A global fetch wrapper between Replicache's own default pusher/puller and the
// server. Replicache calls `fetch(new Request(url, {headers: {"X-Replicache-RequestID":
// "<clientID>-<session>-<n>"}}))`; the wrapper finds the client by that id and
//   - fails the request before it leaves while the client is offline,
//   - drops the response of a push after the server has fully answered it (the
//     server committed, the client never hears back),
//   - records every push and pull with its response for assertions, and
//   - checks each pull response against the rules the client enforces silently
//     (cookie never lower; same cookie means no patch and no lastMutationID change;
//     lastMutationIDs never go back) and records violations.
// Requests without that header (the poke stream, the tests' own calls) pass through.

const realFetch = globalThis.fetch;
/** clientID -> Link */
const links = new Map();

/** The network state and the traffic log of one Replicache client. */
export class Link {
  constructor(label) {
    this.label = label;
    this.offline = false;
    /** Pulls fail as if offline while pushes go through. */
    this.blockPulls = false;
    /** Number of upcoming push responses to lose after the server has answered. */
    this.losePushResponses = 0;
    /** Pushes the server answered: [{requestID, mutations: [{clientID, id, name}], status, body, lost, at}] */
    this.pushes = [];
    /** Pull responses delivered to the client: [{requestID, cookie, status, body, at}] */
    this.pulls = [];
    /** Protocol rule violations seen in pull responses. */
    this.violations = [];
    /** clientID -> highest lastMutationID seen */
    this.lmids = new Map();
  }

  checkPull(requestCookie, status, body) {
    if (status !== 200 || body === null || typeof body !== "object" || "error" in body) {
      return;
    }
    const { cookie, lastMutationIDChanges = {}, patch = [] } = body;
    if (typeof cookie !== "number" || !Number.isSafeInteger(cookie)) {
      this.violations.push(`pull answered a non-integer cookie ${JSON.stringify(cookie)}`);
      return;
    }
    if (requestCookie !== null && requestCookie !== undefined) {
      if (cookie < requestCookie) {
        this.violations.push(`pull from cookie ${requestCookie} answered the smaller cookie ${cookie}`);
      }
      const lmidChanged = Object.keys(lastMutationIDChanges).length > 0;
      if (cookie === requestCookie && (patch.length > 0 || lmidChanged)) {
        this.violations.push(
          `pull answered the request's cookie ${cookie} with changes (the client drops them): ${JSON.stringify(body).slice(0, 300)}`,
        );
      }
    }
    for (const [clientID, lmid] of Object.entries(lastMutationIDChanges)) {
      const seen = this.lmids.get(clientID) ?? 0;
      if (lmid < seen) {
        this.violations.push(`lastMutationID of ${clientID} went back from ${seen} to ${lmid}`);
      }
      this.lmids.set(clientID, Math.max(seen, lmid));
    }
    const keys = new Set();
    patch.forEach((op, index) => {
      if (op.op === "clear" && index !== 0) {
        this.violations.push(`clear at position ${index} of a patch`);
      }
      if (op.op !== "clear") {
        if (keys.has(op.key)) {
          this.violations.push(`two ops for ${op.key} in one patch`);
        }
        keys.add(op.key);
      }
    });
  }
}

/** Routes requests of `clientID` through `link`. */
export function register(clientID, link) {
  links.set(clientID, link);
}

/** Forgets `clientID`. */
export function unregister(clientID) {
  links.delete(clientID);
}

function offlineError(label) {
  // What undici throws when the network is down.
  return new TypeError(`fetch failed (${label} is offline)`);
}

async function interceptedFetch(input, init) {
  const request = new Request(input, init);
  const requestID = request.headers.get("X-Replicache-RequestID");
  const link = requestID ? links.get(requestID.split("-")[0]) : undefined;
  if (!link) {
    return realFetch(request);
  }
  if (link.offline) {
    throw offlineError(link.label);
  }
  const url = new URL(request.url);
  if (link.blockPulls && url.pathname.endsWith("/replicache-pull")) {
    throw offlineError(link.label);
  }
  const requestBody = JSON.parse(await request.clone().text());
  const response = await realFetch(request);
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const at = Date.now();
  // Went offline while the request was in flight: the answer never arrives.
  const dropped = link.offline;
  if (url.pathname.endsWith("/replicache-push")) {
    const lost = dropped || link.losePushResponses > 0;
    if (lost && !dropped) {
      link.losePushResponses--;
    }
    link.pushes.push({
      requestID,
      mutations: requestBody.mutations.map(({ clientID, id, name }) => ({ clientID, id, name })),
      status: response.status,
      body,
      lost,
      at,
    });
    if (lost) {
      throw new TypeError(`fetch failed (${link.label}: push response lost on the way back)`);
    }
  } else if (url.pathname.endsWith("/replicache-pull")) {
    if (dropped) {
      throw offlineError(link.label);
    }
    link.pulls.push({ requestID, cookie: requestBody.cookie, status: response.status, body, at });
    link.checkPull(requestBody.cookie, response.status, body);
  }
  return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
}

globalThis.fetch = interceptedFetch;

/** The unwrapped fetch, for the tests' own requests. */
export { realFetch };
