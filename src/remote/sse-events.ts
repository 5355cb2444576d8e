/**
 * Reading a `text/event-stream` body as the HTML Living Standard's event
 * stream parsing describes: lines end in LF, CR or CRLF; `data:` lines of one
 * event are joined with LF; a blank line dispatches; `id:` is remembered for
 * Last-Event-ID and `retry:` as the reconnection time, both in a cursor that
 * outlives one connection; comments (keep-alives) and unknown fields are
 * ignored.
 *
 * @example
 *   const cursor: SseCursor = {};
 *   for await (const event of sseEvents(response.body!, signal, cursor)) console.log(event.id, event.data);
 *   // the connection broke: a GET with `Last-Event-ID: ${cursor.lastEventId}` after cursor.retryMs goes on from there
 */

export interface SseEvent {
  /** The last event id seen so far (the stream's, not only this event's), for Last-Event-ID. */
  id: string | undefined;
  event: string;
  data: string;
}

/**
 * Where a stream goes on after its connection breaks, kept across connections as the standard keeps it on the
 * EventSource: a reconnection resumes from the same cursor, so an event without an id does not lose it.
 */
export interface SseCursor {
  /** The last event id the server gave, once its event was dispatched (with or without data): Last-Event-ID. */
  lastEventId?: string;
  /** The reconnection time the server asked for with a `retry:` field, in ms. */
  retryMs?: number;
}

export async function* sseEvents(body: ReadableStream<Uint8Array>, signal?: AbortSignal, cursor: SseCursor = {}): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let lastId = cursor.lastEventId;
  try {
    for (;;) {
      if (signal?.aborted) return;
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      let start = 0;
      for (;;) {
        const end = lineEnd(buffer, start);
        // A CR at the very end may be the first half of a CRLF still in transit.
        if (end < 0 || (buffer[end] === "\r" && end === buffer.length - 1 && !done)) break;
        const line = buffer.slice(start, end);
        start = end + (buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1);
        if (line === "") {
          // The standard sets the last event id at every dispatch, even of an event without data (a priming event).
          cursor.lastEventId = lastId || undefined;
          if (data.length > 0) yield { id: lastId, event: event || "message", data: data.join("\n") };
          data = [];
          event = "";
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
        else if (field === "event") event = value;
        else if (field === "id" && !value.includes("\0")) lastId = value;
        else if (field === "retry" && /^\d+$/.test(value)) cursor.retryMs = Number(value);
      }
      buffer = buffer.slice(start);
      if (done) return;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

function lineEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return i;
  }
  return -1;
}
