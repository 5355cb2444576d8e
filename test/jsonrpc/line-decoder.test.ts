import { describe, expect, test } from "bun:test";
import { LineDecoder, type OversizedLine, idOfOversizedLine } from "../../src/jsonrpc/line-decoder.ts";

function collect(max = 1 << 20) {
  const lines: string[] = [];
  const oversized: OversizedLine[] = [];
  const decoder = new LineDecoder({ line: (l) => lines.push(l), oversized: (o) => oversized.push(o) }, max);
  return { decoder, lines, oversized };
}

const bytes = (s: string) => new TextEncoder().encode(s);

describe("LineDecoder", () => {
  test("splits messages on newlines and keeps an unfinished tail", () => {
    const { decoder, lines } = collect();
    decoder.push(bytes('{"a":1}\n{"b":'));
    expect(lines).toEqual(['{"a":1}']);
    decoder.push(bytes("2}\n"));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  test("a chunk boundary inside a multi-byte UTF-8 character decodes correctly", () => {
    const { decoder, lines } = collect();
    const all = bytes('{"t":"한국어 ok"}\n');
    // Split at every byte: the worst case for a decoder that decodes per chunk.
    for (let i = 0; i < all.length; i++) decoder.push(all.subarray(i, i + 1));
    expect(lines).toEqual(['{"t":"한국어 ok"}']);
  });

  test("tolerates CRLF and skips empty lines", () => {
    const { decoder, lines } = collect();
    decoder.push(bytes('{"a":1}\r\n\n\n{"b":2}\n'));
    expect(lines).toEqual(['{"a":1}', '{"b":2}']);
  });

  test("a line over the cap is dropped and reported with its edges, and the next line is intact", () => {
    const { decoder, lines, oversized } = collect(1024);
    decoder.push(bytes(`{"jsonrpc":"2.0","id":7,"result":"${"x".repeat(600)}`));
    decoder.push(bytes(`${"y".repeat(600)}"}\n{"ok":true}\n`));
    expect(lines).toEqual(['{"ok":true}']);
    expect(oversized).toHaveLength(1);
    expect(oversized[0].bytes).toBeGreaterThan(1024);
    expect(idOfOversizedLine(oversized[0])).toBe(7);
    expect(decoder.bufferedBytes).toBe(0);
  });

  test("an endless line is never buffered past the cap", () => {
    const { decoder, oversized } = collect(4096);
    const chunk = bytes("x".repeat(1000));
    for (let i = 0; i < 1000; i++) decoder.push(chunk);
    expect(decoder.bufferedBytes).toBe(0);
    expect(oversized).toHaveLength(0); // not finished yet
    decoder.push(bytes("\n"));
    expect(oversized[0].bytes).toBe(1_000_000);
  });
});

describe("idOfOversizedLine", () => {
  test("finds the id first (after jsonrpc) or last, as the SDKs serialise it", () => {
    expect(idOfOversizedLine({ bytes: 0, head: '{"jsonrpc":"2.0","id":12,"result":{', tail: "" })).toBe(12);
    expect(idOfOversizedLine({ bytes: 0, head: '{"result":{"content":[', tail: '"}]},"jsonrpc":"2.0","id":"abc"}' })).toBe("abc");
  });

  test("does not guess from an id nested in the result", () => {
    expect(idOfOversizedLine({ bytes: 0, head: '{"result":{"id":5,', tail: '"x"}},"jsonrpc":"2.0"}' })).toBeUndefined();
  });
});
