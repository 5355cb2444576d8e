/**
 * Ending what a killed station left behind: only the recorded process groups
 * that are still the very processes the station started (same boot, same
 * start time), including a grandchild whose parent already died.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { identifyProcess, leftoverMembers, reapLeftovers } from "../../src/store/leftovers.ts";
import { holdInstance } from "../../src/store/instance-lease.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, isRunning, waitGone } from "../support/processes.ts";
import { storeKinds } from "../ops/support.ts";

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

for (const kind of storeKinds()) {
  describe(`one station per store instance (${kind.name})`, () => {
    afterAll(() => kind.cleanup());

    test("a second holder is refused while the first lives, and takes over once the first releases", async () => {
      const store = await kind.open("lease-test");
      const child = Bun.spawn(["sleep", "30"], { stdout: "ignore" });
      spawned.push(child.pid);
      // Someone else (a live process on this host) holds the instance.
      const other = identifyProcess(child.pid)!;
      await store.hold({
        host: (await import("node:os")).hostname(),
        pid: child.pid,
        startTicks: other.startTicks,
        bootId: other.bootId,
        seenAt: new Date().toISOString(),
      });
      await expect(holdInstance(store, "lease-test")).rejects.toThrow(/in use by another station \(pid \d+/);
      child.kill("SIGKILL");
      await child.exited;
      // Its holder is dead now (a station killed with SIGKILL): the instance is free to take.
      const release = await holdInstance(store, "lease-test");
      expect((await store.holder())?.pid).toBe(process.pid);
      await release();
      expect(await store.holder()).toBeUndefined();
      await store.close();
    });

    test("a holder killed but not yet reaped by its parent (a zombie) counts as dead", async () => {
      const store = await kind.open("lease-zombie-test");
      // sh starts a sleep, prints its pid, and becomes a second sleep that never wait()s for the first.
      const parent = Bun.spawn(["sh", "-c", "sleep 30 & echo $!; exec sleep 30"], { stdout: "pipe", detached: true });
      spawned.push(parent.pid);
      const reader = parent.stdout.getReader();
      const holderPid = Number(new TextDecoder().decode((await reader.read()).value).trim());
      reader.releaseLock();
      const held = identifyProcess(holderPid)!;
      await store.hold({
        host: (await import("node:os")).hostname(),
        pid: holderPid,
        startTicks: held.startTicks,
        bootId: held.bootId,
        seenAt: new Date().toISOString(),
      });
      await expect(holdInstance(store, "lease-zombie-test")).rejects.toThrow(/in use by another station/);
      process.kill(holderPid, "SIGKILL");
      expect(await eventually(() => readFileSync(`/proc/${holderPid}/stat`, "utf8").split(") ")[1]?.startsWith("Z"))).toBe(true);
      const release = await holdInstance(store, "lease-zombie-test");
      expect((await store.holder())?.pid).toBe(process.pid);
      await release();
      await store.close();
    });
  });
}
