/**
 * The open-file budget reads what the kernel says: the soft limit from /proc/self/limits, the
 * count of open descriptors (fast on Linux 6.2+, a directory read before), and the room it leaves
 * for servers after the reserve. The station under a real limit is in spawn-limits.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { closeSync, openSync, readdirSync } from "node:fs";
import { FDS_PER_SERVER, openFileCount, openFileLimit, reservedFiles, serversThatFit } from "../../src/process/fd-budget.ts";

describe.skipIf(process.platform !== "linux")("on Linux", () => {
  test("the limit is the soft RLIMIT_NOFILE that a child of this process reports too", () => {
    const child = Bun.spawnSync(["sh", "-c", "ulimit -n"], { stdout: "pipe" });
    const reported = child.stdout.toString().trim();
    expect(openFileLimit()).toBe(reported === "unlimited" ? undefined : Number(reported));
  });

  test("the count follows descriptors opened and closed", () => {
    const before = openFileCount()!;
    // The directory read holds one descriptor of its own while it lists.
    expect(Math.abs(before - readdirSync("/proc/self/fd").length)).toBeLessThanOrEqual(1);
    const opened = Array.from({ length: 10 }, () => openSync("/dev/null", "r"));
    expect(openFileCount()).toBe(before + 10);
    for (const fd of opened) closeSync(fd);
    expect(openFileCount()).toBe(before);
  });

  test("servers fit in what is left after the reserve, four descriptors each", () => {
    const limit = openFileLimit()!;
    expect(serversThatFit()).toBe(Math.max(0, Math.floor((limit - reservedFiles(limit) - openFileCount()!) / FDS_PER_SERVER)));
  });
});

test("the reserve is an eighth of the limit, at least 32", () => {
  expect(reservedFiles(96)).toBe(32);
  expect(reservedFiles(1024)).toBe(128);
  expect(reservedFiles(1_048_576)).toBe(131_072);
});
