/**
 * Process groups left behind by a previous run of the station. A station
 * killed with SIGKILL cannot stop its servers; those that exit when stdin
 * closes are gone already, the rest keep running. At start the station kills
 * the groups it recorded, but only those that are still the very processes it
 * started: same boot, same start time of the group leader (/proc/<pid>/stat),
 * so a pid reused by something else is never touched.
 *
 * Linux only (it reads /proc); elsewhere nothing is identified and nothing is killed.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { StoredProcess } from "./session-store.ts";

let bootIdCache: string | undefined;

export function bootId(): string {
  if (bootIdCache === undefined) {
    try {
      bootIdCache = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    } catch {
      bootIdCache = "";
    }
  }
  return bootIdCache;
}

interface ProcStat {
  pgid: number;
  state: string;
  startTicks: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name is in parentheses and may hold spaces: fields are counted after the last ")".
    const rest = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
    // rest[0] is field 3 (state); field 5 is pgrp, field 22 starttime.
    return { state: rest[0], pgid: Number(rest[2]), startTicks: rest[19] };
  } catch {
    return undefined;
  }
}

/** What identifies this process later, or null where /proc is not available. */
export function identifyProcess(pid: number): StoredProcess | null {
  const stat = procStat(pid);
  if (!stat || !bootId()) return null;
  return { pgid: pid, startTicks: stat.startTicks, bootId: bootId() };
}

/** Live members of the group that belong to the recorded run: the leader itself, or (leader gone) members started after it. */
export function leftoverMembers(recorded: StoredProcess): number[] {
  if (!recorded.bootId || recorded.bootId !== bootId()) return [];
  const leader = procStat(recorded.pgid);
  if (leader && leader.state !== "Z") {
    // The pid is alive: ours only if it is the same process (same start time) still leading its group.
    if (leader.startTicks !== recorded.startTicks || leader.pgid !== recorded.pgid) return [];
  }
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    // While a group has members its id cannot be reused, so members started after the leader are its descendants.
    if (stat && stat.pgid === recorded.pgid && stat.state !== "Z" && BigInt(stat.startTicks) >= BigInt(recorded.startTicks))
      members.push(pid);
  }
  return members;
}

/**
 * Ends the recorded groups that are still ours: SIGTERM, up to `graceMs` to
 * go, then SIGKILL. Returns the groups it found alive.
 */
export async function reapLeftovers(recorded: StoredProcess[], graceMs: number): Promise<number[]> {
  const alive = recorded.filter((r) => leftoverMembers(r).length > 0);
  if (alive.length === 0) return [];
  const signal = (r: StoredProcess, sig: NodeJS.Signals) => {
    // To the group when the leader is ours; else member by member (the group id may not be signalable as a whole).
    try {
      process.kill(-r.pgid, sig);
    } catch {
      for (const pid of leftoverMembers(r)) {
        try {
          process.kill(pid, sig);
        } catch {}
      }
    }
  };
  for (const r of alive) signal(r, "SIGTERM");
  const until = Date.now() + graceMs;
  while (Date.now() < until && alive.some((r) => leftoverMembers(r).length > 0)) await Bun.sleep(25);
  for (const r of alive) if (leftoverMembers(r).length > 0) signal(r, "SIGKILL");
  const killedBy = Date.now() + 2000;
  while (Date.now() < killedBy && alive.some((r) => leftoverMembers(r).length > 0)) await Bun.sleep(25);
  return alive.map((r) => r.pgid);
}
