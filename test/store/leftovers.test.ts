/**
 * Ending what a killed station left behind: only the recorded process groups
 * that are still the very processes the station started (same boot, same
 * start time), including a grandchild whose parent already died.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { identifyProcess, leftoverMembers, reapLeftovers } from "../../src/store/leftovers.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, isRunning, waitGone } from "../support/processes.ts";

const spawned: number[] = [];
afterEach(() => {
  for (const pid of spawned.splice(0)) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
});

function server(name: string): Bun.Subprocess {
  // stdin stays open (a pipe we never close), as a server's does while its station lives.
  const proc = Bun.spawn(["node", fixture(name)], { stdin: "pipe", stdout: "ignore", stderr: "pipe", detached: true });
  spawned.push(proc.pid);
  return proc;
}

describe("leftover process groups", () => {
  test("a recorded server still running is ended, even one that ignores SIGTERM", async () => {
    const proc = server("ignore-sigterm.mjs");
    const recorded = identifyProcess(proc.pid)!;
    expect(recorded.pgid).toBe(proc.pid);
    expect(leftoverMembers(recorded)).toEqual([proc.pid]);
    expect(await reapLeftovers([recorded], 200)).toEqual([proc.pid]);
    expect(await waitGone(proc.pid)).toBe(true);
  });

  test("a process that reuses the pid (another start time) or another boot is left alone", async () => {
    const proc = server("echo.mjs");
    const real = identifyProcess(proc.pid)!;
    expect(await reapLeftovers([{ ...real, startTicks: String(BigInt(real.startTicks) - 1n) }], 200)).toEqual([]);
    expect(await reapLeftovers([{ ...real, bootId: "another-boot" }], 200)).toEqual([]);
    expect(isRunning(proc.pid)).toBe(true);
  });

  test("a grandchild left in the group after its parent died is ended too", async () => {
    const proc = server("grandchild.mjs");
    const recorded = identifyProcess(proc.pid)!;
    const members = await eventually(() => (leftoverMembers(recorded).length >= 2 ? leftoverMembers(recorded) : undefined));
    const grandchild = members!.find((pid) => pid !== proc.pid)!;
    process.kill(proc.pid, "SIGKILL");
    expect(await waitGone(proc.pid)).toBe(true);
    expect(leftoverMembers(recorded)).toEqual([grandchild]);
    await reapLeftovers([recorded], 200);
    expect(await waitGone(grandchild)).toBe(true);
  });
});
