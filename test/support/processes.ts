/** Checks on real processes through /proc: is it running, who is in a process group. */
import { readdirSync, readFileSync } from "node:fs";

/** State letter from /proc/<pid>/stat, or undefined when the process is gone. */
function stat(pid: number): { state: string; pgid: number } | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may contain spaces: parse after the last ")".
    const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], pgid: Number(rest[2]) };
  } catch {
    return undefined;
  }
}

/** True while the process exists and is not a zombie. */
export function isRunning(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== "Z" && s.state !== "X";
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (s && s.pgid === pgid && s.state !== "Z") members.push(pid);
  }
  return members;
}

/** Waits (on a short poll of /proc, bounded) until the process is gone; returns whether it went. */
export async function waitGone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isRunning(pid)) return true;
    await Bun.sleep(20);
  }
  return !isRunning(pid);
}

/** Polls a condition until true or the bound passes; for waiting on asynchronous effects. */
export async function eventually<T>(fn: () => T | Promise<T>, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  let last: T = await fn();
  while (!last && Date.now() < until) {
    await Bun.sleep(20);
    last = await fn();
  }
  return last;
}
