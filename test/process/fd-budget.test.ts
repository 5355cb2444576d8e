/**
 * The open-file budget reads what the kernel says: the soft limit from /proc/self/limits, the
 * count of open descriptors (fast on Linux 6.2+, a directory read before), and the room it leaves
 * for servers after the reserve. The station under a real limit is in spawn-limits.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT } from "../setup/paths.ts";
import { FDS_PER_SERVER, openFileCount, openFileLimit, reservedFiles, serversThatFit } from "../../src/process/fd-budget.ts";

describe.skipIf(process.platform !== "linux")("on Linux", () => {
  test("the limit is the soft RLIMIT_NOFILE that a child of this process reports too", () => {
    const child = Bun.spawnSync(["sh", "-c", "ulimit -n"], { stdout: "pipe" });
    const reported = child.stdout.toString().trim();
    expect(openFileLimit()).toBe(reported === "unlimited" ? undefined : Number(reported));
  });

  test("the count follows descriptors opened and closed", () => {
    // In a process of its own: in this one, what earlier test files left behind (sockets, children's pipes)
    // closes on Bun's other threads at any moment, even between two synchronous lines.
    const script = `
      import { closeSync, openSync, readdirSync } from "node:fs";
      import { openFileCount } from ${JSON.stringify(join(REPO_ROOT, "src/process/fd-budget.ts"))};
      const before = openFileCount();
      const listed = readdirSync("/proc/self/fd").length;
      const opened = Array.from({ length: 10 }, () => openSync("/dev/null", "r"));
      const withTen = openFileCount();
      for (const fd of opened) closeSync(fd);
      console.log(JSON.stringify({ before, listed, withTen, after: openFileCount() }));
    `;
    const child = Bun.spawnSync([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    expect(child.stderr.toString()).toBe("");
    const { before, listed, withTen, after } = JSON.parse(child.stdout.toString());
    // The directory read holds one descriptor of its own while it lists.
    expect(Math.abs(before - listed)).toBeLessThanOrEqual(1);
    expect(withTen).toBe(before + 10);
    expect(after).toBe(before);
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
