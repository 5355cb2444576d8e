/**
 * The raw pass-through of large results: the scanner accepts exactly the
 * success responses JSON.parse would, finds the same id and result, and the
 * peer hands RawJson only to callers that asked for it.
 */
import { describe, expect, test } from "bun:test";
import { JsonRpcPeer } from "../../src/jsonrpc/peer.ts";
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";
import { RawJson, scanResponse } from "../../src/jsonrpc/raw-json.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** What the ordinary path (JSON.parse + classify) makes of a line, restricted to success responses. */
function reference(line: string): { id: unknown; result: string } | undefined {
  let v: any;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  if (v.jsonrpc !== "2.0" || "method" in v || "error" in v || !("result" in v)) return undefined;
  if (!(typeof v.id === "string" || (typeof v.id === "number" && Number.isFinite(v.id)))) return undefined;
  return { id: v.id, result: JSON.stringify(v.result) };
}

function scanned(line: string): { id: unknown; result: string } | undefined {
  const bytes = enc.encode(line);
  const s = scanResponse(bytes);
  return s && { id: s.id, result: JSON.stringify(JSON.parse(dec.decode(bytes.subarray(s.resultStart, s.resultEnd)))) };
}

const VALID = [
  '{"jsonrpc":"2.0","id":5,"result":{"a":[1,2,{"b":"c\\"d"}],"e":null}}',
  '{"result":[],"jsonrpc":"2.0","id":"7"}',
  ' {"jsonrpc" : "2.0" , "id" : 5 , "result" : { "a" : [ 1 , 2 ] } } ',
  '{"jsonrpc":"2.0","id":5,"result":[true,false,null,-0.5e-3,0,1E+2]}',
  '{"jsonrpc":"2.0","id":5,"result":{"k":{"k2":[{"z":"}]"}]}}}',
  '{"jsonrpc":"2.0","id":5,"result":"\\u00e9 한 \\\\ \\/"}',
  '{"jsonrpc":"2.0","id":5,"result":{}, "result": [1]}',
  '{"jsonrpc":"2.0","id":5,"result":1,"id":6}',
];
const REFUSED = [
  '{"jsonrpc":"2.0","id":5,"result":{"x":1,}}',
  '{"jsonrpc":"2.0","id":5,"result":[1,]}',
  '{"jsonrpc":"2.0","id":5,"result":01}',
  '{"jsonrpc":"2.0","id":5,"result":"a\tb"}',
  '{"jsonrpc":"2.0","id":5,"result":"\\x"}',
  '{"jsonrpc":"2.0","id":5,"result":tru}',
  '{"jsonrpc":"2.0","id":5,"result":1.}',
  '{"jsonrpc":"2.0","id":5,"result":{"a":1}',
  '{"jsonrpc":"2.0","id":5,"result":{"a":1}}}',
  '{"jsonrpc":"2.0","id":5,"result":1} x',
  '{"jsonrpc":"2.0","id":5,"error":{"code":1,"message":"x"}}',
  '{"jsonrpc":"2.0","id":5,"method":"x","result":1}',
  '{"jsonrpc":"1.0","id":5,"result":1}',
  '{"jsonrpc":"2.0","id":null,"result":1}',
  '{"jsonrpc":"2.0","result":1}',
  '[{"jsonrpc":"2.0","id":5,"result":1}]',
];

describe("scanResponse", () => {
  test.each(VALID)("finds the id and result JSON.parse finds: %s", (line) => {
    expect(scanned(line)).toEqual(reference(line)!);
  });

  test.each(REFUSED)("leaves to the ordinary path: %s", (line) => {
    expect(scanned(line)).toBeUndefined();
  });

  test("refuses a line that is not UTF-8", () => {
    const bytes = enc.encode('{"jsonrpc":"2.0","id":5,"result":"ab"}');
    bytes[bytes.length - 4] = 0xff;
    expect(scanResponse(bytes)).toBeUndefined();
  });

  test("agrees with JSON.parse on 20,000 mutated lines", () => {
    // A fixed-seed generator: the same lines on every run.
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = '{}[]",:\\ 0123456789-.eEtrufalsn\t';
    const bases = [
      ...VALID,
      '{"jsonrpc":"2.0","id":12,"result":{"content":[{"type":"text","text":"h\\u00e9llo \\"w\\""}],"n":[1.5,-2e3,0]}}',
    ];
    for (let k = 0; k < 20_000; k++) {
      let line = bases[k % bases.length]!;
      for (let j = 0; j <= k % 3; j++) {
        const p = Math.floor(random() * line.length);
        const ch = alphabet[Math.floor(random() * alphabet.length)]!;
        const r = random();
        line =
          r < 0.4
            ? line.slice(0, p) + ch + line.slice(p + 1)
            : r < 0.7
              ? line.slice(0, p) + line.slice(p + 1)
              : line.slice(0, p) + ch + line.slice(p);
      }
      expect(scanned(line)).toEqual(reference(line));
    }
  });

  test("nesting thousands deep neither overflows nor is accepted when unbalanced", () => {
    const deep = `{"jsonrpc":"2.0","id":1,"result":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    expect(scanResponse(enc.encode(deep))?.id).toBe(1);
    expect(scanResponse(enc.encode(`${deep.slice(0, -2)}}`))).toBeUndefined();
  });
});

describe("RawJson.wrap", () => {
  test("writes the wrapper over the envelope's own bytes when there is room", () => {
    const line = enc.encode('{"jsonrpc":"2.0","id":5,"result":{"a":1}}');
    const s = scanResponse(line)!;
    const out = new RawJson(line, s.resultStart, s.resultEnd).wrap(enc.encode('{"data":'), enc.encode("}"));
    expect(dec.decode(out)).toBe('{"data":{"a":1}}');
    expect(out.buffer).toBe(line.buffer);
  });

  test("copies when the result comes first and leaves no room", () => {
    const line = enc.encode('{"result":{"a":1},"jsonrpc":"2.0","id":5}');
    const s = scanResponse(line)!;
    const raw = new RawJson(line, s.resultStart, s.resultEnd);
    expect(dec.decode(raw.wrap(enc.encode('{"success":true,"data":'), enc.encode("}")))).toBe('{"success":true,"data":{"a":1}}');
    expect(raw.parse()).toEqual({ a: 1 });
  });
});

describe("the peer's raw path", () => {
  const big = (id: number | string, text: string) =>
    `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"content":[{"type":"text","text":"${text}"}]}}`;
  function setup() {
    const invalid: string[] = [];
    const peer = new JsonRpcPeer(
      () => {},
      { onRequest: () => ({}), onNotification: () => {}, onInvalidLine: (line) => invalid.push(line) },
      {
        maxMessageBytes: 1 << 24,
        rawMinBytes: 1024,
      },
    );
    const feed = (line: string) => {
      // In pieces, as a pipe delivers it.
      const bytes = enc.encode(`${line}\n`);
      for (let i = 0; i < bytes.length; i += 700) peer.push(bytes.slice(i, i + 700));
    };
    return { peer, feed, invalid };
  }

  test("a large result reaches a raw caller as RawJson with the server's exact text", async () => {
    const { peer, feed } = setup();
    const sent = peer.request("tools/call", {}, { timeoutMs: 1000 }, { raw: true });
    const text = "한a".repeat(2000);
    feed(big(sent.id, text));
    const response = (await sent.response) as { result: unknown };
    expect(response.result).toBeInstanceOf(RawJson);
    expect((response.result as RawJson).parse()).toEqual({ content: [{ type: "text", text }] });
  });

  test("other callers, small results, errors and ids echoed as strings keep the ordinary path", async () => {
    const { peer, feed } = setup();
    const plain = peer.request("tools/call", {}, { timeoutMs: 1000 });
    const small = peer.request("tools/call", {}, { timeoutMs: 1000 }, { raw: true });
    const failed = peer.request("tools/call", {}, { timeoutMs: 1000 }, { raw: true });
    const stringId = peer.request("tools/call", {}, { timeoutMs: 1000 }, { raw: true });
    feed(big(plain.id, "x".repeat(5000)));
    feed(`{"jsonrpc":"2.0","id":${small.id},"result":{"ok":true}}`);
    feed(`{"jsonrpc":"2.0","id":${failed.id},"error":{"code":-1,"message":"${"e".repeat(5000)}"}}`);
    feed(big(String(stringId.id), "y".repeat(5000)));
    expect(((await plain.response) as any).result.content[0].text).toHaveLength(5000);
    expect(((await small.response) as any).result).toEqual({ ok: true });
    expect(((await failed.response) as any).error.code).toBe(-1);
    expect(((await stringId.response) as any).result).toBeInstanceOf(RawJson);
  });

  test("a large line that is not valid JSON is reported as before, not passed through", async () => {
    const { peer, feed, invalid } = setup();
    const sent = peer.request("tools/call", {}, { timeoutMs: 200 }, { raw: true });
    feed(big(sent.id, `bad\tcontrol ${"z".repeat(5000)}`));
    expect(invalid).toHaveLength(1);
    await expect(sent.response).rejects.toThrow();
  });
});

describe("LineDecoder's raw offer", () => {
  test("offers only lines of rawMinBytes or more, and decodes those refused", () => {
    const offered: number[] = [];
    const lines: string[] = [];
    const decoder = new LineDecoder(
      {
        line: (text) => lines.push(text),
        oversized: () => {},
        raw: (bytes) => {
          offered.push(bytes.length);
          return bytes[1] === 0x41; // takes lines starting with "xA"
        },
      },
      1 << 20,
      100,
    );
    decoder.push(enc.encode(`short\nxA${"a".repeat(200)}\nxB${"b".repeat(200)}\n`));
    expect(offered).toEqual([202, 202]);
    expect(lines).toEqual(["short", `xB${"b".repeat(200)}`]);
  });

  test("a line offered from a single chunk is a copy the sink may keep", () => {
    let kept: Uint8Array | undefined;
    const decoder = new LineDecoder(
      {
        line: () => {},
        oversized: () => {},
        raw: (bytes) => {
          kept = bytes;
          return true;
        },
      },
      1 << 20,
      4,
    );
    const chunk = enc.encode("abcdef\n");
    decoder.push(chunk);
    chunk.fill(0x30);
    expect(dec.decode(kept!)).toBe("abcdef");
  });
});
