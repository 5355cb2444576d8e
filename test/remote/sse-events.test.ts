/**
 * The SSE reader against the event stream format's own rules, with the
 * stream cut at every byte: line ends LF, CR and CRLF (a CRLF split across
 * chunks too), multi-line data, comments, ids kept across events, and a last
 * event without its blank line, which the standard drops. The cursor a
 * resumption starts from: the id of the last event dispatched (a priming
 * event without data too, but not an event cut off before its blank line),
 * kept across connections, and the `retry:` reconnection time.
 */
import { describe, expect, test } from "bun:test";
import { type SseCursor, sseEvents } from "../../src/remote/sse-events.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(chunks: string[], cursor?: SseCursor) {
  const events = [];
  for await (const event of sseEvents(streamOf(chunks), undefined, cursor)) events.push(event);
  return events;
}

const TEXT = ': keep-alive\r\nid: 1\r\ndata: {"a":\r\ndata: 1}\r\n\r\nevent: other\ndata: x\n\nid: 7\rdata:no-space\r\rdata: dropped';
const EXPECTED = [
  { id: "1", event: "message", data: '{"a":\n1}' },
  { id: "1", event: "other", data: "x" },
  { id: "7", event: "message", data: "no-space" },
];

describe("sseEvents", () => {
  test("reads events whole", async () => {
    expect(await read([TEXT])).toEqual(EXPECTED);
  });

  test("reads the same events whatever byte the stream is cut at", async () => {
    for (let cut = 1; cut < TEXT.length; cut++) {
      expect({ cut, events: await read([TEXT.slice(0, cut), TEXT.slice(cut)]) }).toEqual({ cut, events: EXPECTED });
    }
  });

  test("one byte at a time", async () => {
    expect(await read([...TEXT])).toEqual(EXPECTED);
  });
});

describe("the cursor a resumption starts from", () => {
  // A priming event (an id and empty data, as the 2025-11-25 revision has servers send), then a retry field alone,
  // a message, and an event cut off before its blank line, whose id was never dispatched.
  const STREAM = "id: s1.1\nretry: 1500\ndata: \n\nretry: 2x\n\nid: s1.2\ndata: {}\n\nid: s1.3\ndata: lost";

  test("holds the last dispatched event's id and the retry time, whatever byte the stream is cut at", async () => {
    for (let cut = 1; cut < STREAM.length; cut++) {
      const cursor: SseCursor = {};
      await read([STREAM.slice(0, cut), STREAM.slice(cut)], cursor);
      expect({ cut, cursor }).toEqual({ cut, cursor: { lastEventId: "s1.2", retryMs: 1500 } });
    }
  });

  test("an event without data sets the id too, and a stream that ends there keeps it", async () => {
    const cursor: SseCursor = {};
    expect(await read(["id: p1\n\n"], cursor)).toEqual([]);
    expect(cursor.lastEventId).toBe("p1");
  });

  test("is kept across connections: events without an id on the next one do not lose it; an empty id clears it", async () => {
    const cursor: SseCursor = { lastEventId: "s1.2" };
    expect(await read([": keep-alive\n\ndata: {}\n\n"], cursor)).toEqual([{ id: "s1.2", event: "message", data: "{}" }]);
    expect(cursor.lastEventId).toBe("s1.2");
    await read(["id\ndata: x\n\n"], cursor);
    expect(cursor.lastEventId).toBeUndefined();
  });
});
