// The poke subscription: an EventSource on /api/replicache-poke.
//
// Every message on the stream is a hint to pull; so is the `open` event, which closes
// the gap between the page's first pull and the moment the subscription exists (and
// any gap while the stream was down). A stream the browser gave up on is reopened
// after a pause, and at once when the browser says it is back online.

/** What the subscription reports to the page. */
export type PokeHandlers = {
  /** Called on `open` and on every message: the page should pull. */
  pull: () => void;
  /** Called whenever the stream opens or drops. */
  connected: (open: boolean) => void;
};

/** Reopen delay after the browser closed the stream for good. */
const REOPEN_DELAY_MS = 2000;

/** Subscribes to `url`; returns a function that ends the subscription. */
export function subscribeToPokes(url: string, handlers: PokeHandlers): () => void {
  let source: EventSource | null = null;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const open = () => {
    clearTimeout(reopenTimer);
    source?.close();
    const es = new EventSource(url);
    source = es;
    es.addEventListener("open", () => {
      handlers.connected(true);
      handlers.pull();
    });
    es.addEventListener("message", () => handlers.pull());
    es.addEventListener("error", () => {
      handlers.connected(false);
      // CONNECTING: the browser retries by itself. CLOSED: it gave up; try again later.
      if (es.readyState === EventSource.CLOSED && !stopped) {
        reopenTimer = setTimeout(open, REOPEN_DELAY_MS);
      }
    });
  };

  const onOnline = () => {
    if (source === null || source.readyState !== EventSource.OPEN) {
      open();
    }
  };

  window.addEventListener("online", onOnline);
  open();
  return () => {
    stopped = true;
    clearTimeout(reopenTimer);
    window.removeEventListener("online", onOnline);
    source?.close();
  };
}
