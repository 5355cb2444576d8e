/**
 * The record of process groups the station started and has not yet seen end.
 * Every child gets its own group (Bun.spawn `detached`), so one signal to the
 * group reaches the grandchildren that `npx` and `uvx` start. On exit the
 * station signals every group still recorded here, synchronously, so not even
 * an abrupt shutdown path leaves a server running.
 */

const live = new Set<number>();

/** Told of every group recorded and forgotten: a cluster node's watchdog keeps its own list (src/cluster/watchdog.ts). */
export interface GroupWatcher {
  recorded(pgid: number): void;
  forgotten(pgid: number): void;
}

let watcher: GroupWatcher | undefined;

/** Sets the one watcher (undefined: none), and tells it of the groups recorded so far. */
export function watchGroups(next: GroupWatcher | undefined): void {
  watcher = next;
  for (const pgid of live) watcher?.recorded(pgid);
}

export function recordGroup(pgid: number): void {
  live.add(pgid);
  watcher?.recorded(pgid);
}

export function forgetGroup(pgid: number): void {
  live.delete(pgid);
  watcher?.forgotten(pgid);
}

export function liveGroups(): number[] {
  return [...live];
}

/** Sends `signal` to a whole group. Returns false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: a member we may not signal; treat the group as still there.
    return true;
  }
}

export function groupAlive(pgid: number): boolean {
  return signalGroup(pgid, 0);
}

/** Last resort at exit: SIGKILL every recorded group. */
export function killAllGroups(): void {
  for (const pgid of live) signalGroup(pgid, "SIGKILL");
  live.clear();
}
