// A minimal EventSource for Node 20 (which has none): reads text/event-stream over
// fetch, skips comments, and reports `open` and every data event.

/**
 * Subscribes to `url`. `onOpen()` runs when the response arrives, `onMessage(data)`
 * for each event with data. Returns `{close(), closed}`; `closed` resolves when the
 * stream ends (server shutdown, network error or close()).
 */
export function openEventStream(url, { onOpen, onMessage, fetchImpl = fetch }) {
  const controller = new AbortController();
  const closed = (async () => {
    try {
      const response = await fetchImpl(url, {
        headers: { Accept: "text/event-stream" },
        signal: controller.signal,
      });
      if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
        throw new Error(`poke stream answered ${response.status} ${response.headers.get("content-type")}`);
      }
      onOpen?.();
      const decoder = new TextDecoder();
      let buffer = "";
      let data = [];
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
          if (line === "") {
            if (data.length > 0) {
              onMessage?.(data.join("\n"));
            }
            data = [];
          } else if (line.startsWith(":")) {
            // comment: the connect marker and heartbeats
          } else if (line.startsWith("data")) {
            data.push(line.replace(/^data: ?/, ""));
          }
        }
      }
    } catch (e) {
      if (!controller.signal.aborted) {
        return e;
      }
    }
    return null;
  })();
  return { close: () => controller.abort(), closed };
}
