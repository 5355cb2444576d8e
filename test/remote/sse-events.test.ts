/**
 * The SSE reader against the event stream format's own rules, with the
 * stream cut at every byte: line ends LF, CR and CRLF (a CRLF split across
 * chunks too), multi-line data, comments, ids kept across events, and a last
 * event without its blank line, which the standard drops.
 */
import { describe, expect, test } from "bun:test";
import { sseEvents } from "../../src/remote/sse-events.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function read(chunks: string[]) {
  const events = [];
  for await (const event of sseEvents(streamOf(chunks))) events.push(event);
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
