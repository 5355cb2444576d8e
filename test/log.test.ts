/**
 * The structured logger: one JSON object per line, time, level and message
 * first and then the caller's fields; an Error field as its message and
 * stack; lines below the level dropped. And the batched stdout writer the
 * station logs through: lines wait (a write per line was the costliest part
 * of a busy request) and go out together, in order, none lost.
 */
import { afterEach, describe, expect, setSystemTime, test } from "bun:test";
import { batchedStdout, createLogger } from "../src/log.ts";

afterEach(() => setSystemTime());

function captured(level: Parameters<typeof createLogger>[0] = "info") {
  const lines: string[] = [];
  return { log: createLogger(level, (line) => lines.push(line)), lines };
}

describe("createLogger", () => {
  test("a line is time, level, msg, then the fields in their order", () => {
    setSystemTime(new Date("2026-11-24T10:00:00.123Z"));
    const { log, lines } = captured();
    log.info("request", { request_id: "r1", status: 200, skipped: undefined, nested: { a: [1, "two"] } });
    log.warn("bare");
    expect(lines).toEqual([
      '{"time":"2026-11-24T10:00:00.123Z","level":"info","msg":"request","request_id":"r1","status":200,"nested":{"a":[1,"two"]}}\n',
      '{"time":"2026-11-24T10:00:00.123Z","level":"warn","msg":"bare"}\n',
    ]);
  });

  test("the time moves with the clock, even within a busy millisecond", () => {
    const { log, lines } = captured();
    setSystemTime(new Date("2026-11-24T10:00:00.001Z"));
    log.info("a", {});
    log.info("b");
    setSystemTime(new Date("2026-11-24T10:00:00.002Z"));
    log.info("c");
    expect(lines.map((l) => JSON.parse(l).time)).toEqual([
      "2026-11-24T10:00:00.001Z",
      "2026-11-24T10:00:00.001Z",
      "2026-11-24T10:00:00.002Z",
    ]);
  });

  test("an Error field is written as its message and stack; a message needing escapes stays valid JSON", () => {
    const { log, lines } = captured();
    const err = new Error('broke "here"\nand there');
    log.error('unhandled "error"', { err, url: "/x" });
    const line = JSON.parse(lines[0]);
    expect(line).toMatchObject({ level: "error", msg: 'unhandled "error"', err: { message: err.message, stack: err.stack }, url: "/x" });
  });

  test("lines below the level are dropped", () => {
    const { log, lines } = captured("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["w", "e"]);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("error")).toBe(true);
  });
});

describe("batchedStdout", () => {
  test("lines wait, then go out together and in order", async () => {
    const written: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((text: string) => written.push(text) > 0) as typeof process.stdout.write;
    try {
      const write = batchedStdout(1024, 10);
      write("one\n");
      write("two\n");
      expect(written).toEqual([]);
      await Bun.sleep(30);
      expect(written).toEqual(["one\ntwo\n"]);
      // Past maxBytes a batch goes out at once.
      write(`${"x".repeat(1100)}\n`);
      expect(written).toHaveLength(2);
      write("three\n");
      write.flush();
      expect(written.at(-1)).toBe("three\n");
    } finally {
      process.stdout.write = original;
    }
  });
});
