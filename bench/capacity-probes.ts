/**
 * What the capacity bench (capacity.ts) reads from /proc: a process's descriptors by kind, the
 * memory of many servers (RSS, and PSS, which splits the pages they share), the machine's
 * available memory, a process's limits, and the process groups still alive; plus the latency
 * summaries it prints.
 *
 * @example
 *   descriptorsOf(station.pid)   // { total: 4045, stdio: 3000, pidfds: 1000, tcp: 33, other: 12 }
 *   groupsLeft(serverPids)       // 0 once every server's group is gone
 */
import { readdirSync, readFileSync, readlinkSync } from "node:fs";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // gone between listing and reading
  }
}

export interface Descriptors {
  total: number;
  /** Pipes and Unix sockets: Bun gives a child's stdin, stdout and stderr each a socketpair. */
  stdio: number;
  /** The descriptors Bun watches each child's exit with. */
  pidfds: number;
  /** Connections and listeners. */
  tcp: number;
  other: number;
}

/** The inodes of every TCP socket on the machine. */
function tcpInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    // The inode is the tenth column; the first line is the header.
    for (const line of (read(table) ?? "").split("\n").slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  return inodes;
}

/** A process's open descriptors, by what they point at. */
export function descriptorsOf(pid: number): Descriptors {
  const out: Descriptors = { total: 0, stdio: 0, pidfds: 0, tcp: 0, other: 0 };
  const tcp = tcpInodes();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = "";
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    out.total++;
    if (target === "anon_inode:[pidfd]") out.pidfds++;
    else if (target.startsWith("socket:") && tcp.has(target.slice(8, -1))) out.tcp++;
    else if (target.startsWith("socket:") || target.startsWith("pipe:")) out.stdio++;
    else out.other++;
  }
  return out;
}

/** MemAvailable: what the machine can still give without swapping. */
export function freeMemoryKb(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(read("/proc/meminfo") ?? "")?.[1] ?? 0);
}

/** Each live server's RSS and PSS in KB (PSS counts a page shared by n processes as 1/n). */
export function serverMemory(pids: number[]): { rssKb: number[]; pssKb: number[] } {
  const rssKb: number[] = [];
  const pssKb: number[] = [];
  for (const pid of pids) {
    const rss = /^VmRSS:\s+(\d+)/m.exec(read(`/proc/${pid}/status`) ?? "")?.[1];
    const pss = /^Pss:\s+(\d+)/m.exec(read(`/proc/${pid}/smaps_rollup`) ?? "")?.[1];
    if (rss) rssKb.push(Number(rss));
    if (pss) pssKb.push(Number(pss));
  }
  return { rssKb, pssKb };
}

/** The soft and hard RLIMIT_NOFILE a process runs with ("unlimited" as null). */
export function openFileLimits(pid: number): { soft: number | null; hard: number | null } {
  const row = /^Max open files\s+(\S+)\s+(\S+)/m.exec(read(`/proc/${pid}/limits`) ?? "");
  const value = (v: string | undefined) => (v === undefined || v === "unlimited" ? null : Number(v));
  return { soft: value(row?.[1]), hard: value(row?.[2]) };
}

/** Live processes whose process group is one of `groups` (each server leads its own). */
export function groupsLeft(groups: number[]): number {
  const wanted = new Set(groups);
  let left = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    if (!stat) continue;
    // After the command name: state, ppid, pgrp.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (state !== "Z" && wanted.has(Number(pgrp))) left++;
  }
  return left;
}

export function mean(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** p50, p99 and max of latencies in ms, with their count. */
export function percentiles(values: number[]): { count: number; p50Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.at(-1) ?? Number.NaN };
}
