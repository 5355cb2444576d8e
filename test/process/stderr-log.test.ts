import { describe, expect, test } from "bun:test";
import { StderrLog } from "../../src/process/stderr-log.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("StderrLog", () => {
  test("splits lines across chunks, multi-byte characters included", () => {
    const log = new StderrLog(1 << 20);
    const all = bytes("첫 줄\nsecond line\npartial");
    for (let i = 0; i < all.length; i++) log.push(all.subarray(i, i + 1));
    expect(log.tail().map((l) => l.text)).toEqual(["첫 줄", "second line"]);
    log.end();
    expect(log.tail().map((l) => l.text)).toEqual(["첫 줄", "second line", "partial"]);
  });

  test("keeps the newest lines within its byte budget and counts what it dropped", () => {
    const log = new StderrLog(4096);
    for (let i = 0; i < 10_000; i++) log.push(bytes(`line ${i}\n`));
    const lines = log.tail(1_000_000);
    expect(lines.at(-1)!.text).toBe("line 9999");
    expect(lines.length).toBeLessThan(200);
    expect(log.dropped + lines.length).toBe(10_000);
  });

  test("an endless line is cut into bounded pieces instead of held whole", () => {
    const log = new StderrLog(64 * 1024);
    for (let i = 0; i < 100; i++) log.push(bytes("x".repeat(10_000)));
    const lines = log.tail(1_000_000);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.text.length).toBeLessThan(20_000);
  });

  test("tail pages by sequence number", () => {
    const log = new StderrLog(1 << 20);
    log.push(bytes("a\nb\nc\n"));
    const [a] = log.tail(3);
    expect(log.tail(10, a.seq).map((l) => l.text)).toEqual(["b", "c"]);
  });
});
