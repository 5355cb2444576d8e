/**
 * Stopping a server the way the MCP specification describes for stdio:
 * close its stdin, wait, SIGTERM, wait, SIGKILL. Every signal goes to the
 * process group, so descendants end too, and the group is checked even
 * after the leader exits, since a grandchild can outlive its parent.
 */
import { forgetGroup, groupAlive, signalGroup } from "./groups.ts";
import type { ExitInfo, StopTimings } from "./server-link.ts";

export type { StopTimings } from "./server-link.ts";

/** What the stop needs of a child (spawn.ts's ServerProcess). */
export interface StoppableChild {
  readonly pid: number;
  readonly running: boolean;
  readonly exited: Promise<ExitInfo>;
  closeStdin(): void;
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

export async function stopProcessGroup(child: StoppableChild, timings: StopTimings): Promise<ExitInfo> {
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
