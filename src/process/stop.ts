/**
 * Stopping a server the way the MCP specification describes for stdio:
 * close its stdin, wait, SIGTERM, wait, SIGKILL. Every signal goes to the
 * process group, so descendants end too, and the group is checked even
 * after the leader exits, since a grandchild can outlive its parent.
 */
import { forgetGroup, groupAlive, signalGroup } from "./groups.ts";
import type { ExitInfo, ServerProcess } from "./spawn.ts";

export interface StopTimings {
  /** After closing stdin, time for the server to exit by itself. */
  graceMs: number;
  /** After SIGTERM, time before SIGKILL. */
  termMs: number;
}

const POLL_MS = 25;

async function groupGoneWithin(pgid: number, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (groupAlive(pgid)) {
    if (performance.now() >= until) return false;
    await Bun.sleep(POLL_MS);
  }
  return true;
}

export async function stopProcessGroup(child: ServerProcess, timings: StopTimings): Promise<ExitInfo> {
  const pgid = child.pid;
  child.closeStdin();
  if (child.running) {
    await Promise.race([child.exited, Bun.sleep(timings.graceMs)]);
  }
  if (groupAlive(pgid)) {
    signalGroup(pgid, "SIGTERM");
    if (!(await groupGoneWithin(pgid, timings.termMs))) {
      signalGroup(pgid, "SIGKILL");
      await groupGoneWithin(pgid, 2000);
    }
  }
  const exit = await child.exited;
  forgetGroup(pgid);
  return exit;
}
