/**
 * Resource limits for a session's server, applied by wrapping its argv with
 * `prlimit` (util-linux): prlimit sets the limits on itself, then execs the
 * server, so the server and everything it starts inherit them. With no limit
 * configured, nothing is wrapped and nothing is spent.
 *
 * @example
 *   limitPrefix({ cpuSeconds: 30, openFiles: 256 }, "/usr/bin/prlimit")
 *   // ["/usr/bin/prlimit", "--cpu=30", "--nofile=256", "--core=0", "--"]
 */

export interface ResourceLimits {
  /** RLIMIT_AS: bytes of address space. */
  addressSpaceBytes?: number;
  /** RLIMIT_CPU: seconds of CPU; past it the kernel sends SIGXCPU, then SIGKILL. */
  cpuSeconds?: number;
  /** RLIMIT_NOFILE: open file descriptors. */
  openFiles?: number;
  /** RLIMIT_NPROC: processes of the station's user (a per-user count, see the README). */
  processes?: number;
}

export function hasLimits(limits: ResourceLimits): boolean {
  return Object.values(limits).some((value) => value !== undefined && value > 0);
}

/** The argv prefix that applies `limits`, or [] when none is set. */
export function limitPrefix(limits: ResourceLimits, prlimitPath: string): string[] {
  if (!hasLimits(limits)) return [];
  const flags: string[] = [];
  if (limits.addressSpaceBytes) flags.push(`--as=${limits.addressSpaceBytes}`);
  // Soft below hard: the kernel checks the hard limit first, so equal ones would SIGKILL with no reason given.
  // At the soft limit the server gets SIGXCPU (its session says why); a server that ignores it is killed a second later.
  if (limits.cpuSeconds) flags.push(`--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`);
  if (limits.openFiles) flags.push(`--nofile=${limits.openFiles}`);
  if (limits.processes) flags.push(`--nproc=${limits.processes}`);
  // SIGXCPU's default action dumps core: a core of a server holds its secrets, and lands in its working directory.
  flags.push("--core=0");
  return [prlimitPath, ...flags, "--"];
}

/** A reason a caller can act on when a server died of a limit the kernel enforces by signal. */
export function limitExitReason(signal: string | null | undefined): string | undefined {
  if (signal === "SIGXCPU") return "CPU time limit reached (MCP_STATION_LIMIT_CPU_SECONDS)";
  if (signal === "SIGXFSZ") return "file size limit reached";
  return undefined;
}
