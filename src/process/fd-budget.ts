/**
 * The station's open files as a budget for servers. Each server costs the
 * station four descriptors (its stdin, stdout and stderr pipes, and the pidfd
 * Bun watches its exit with), taken from the same table as the station's own
 * sockets. A station that spent them all on servers can no longer accept() a
 * connection: the kernel completes the handshake and the caller waits in the
 * listen backlog with no answer (measured at RLIMIT_NOFILE=256: 53 of 60
 * requests to running sessions hung to their 5 s deadline). So a spawn is
 * refused while it would eat into a reserve kept for connections and the
 * store, and the caller gets a clean 503 instead of the others a hang.
 *
 * Linux only (/proc); elsewhere nothing is counted and nothing refused.
 *
 * @example
 *   ensureRoomForServer();   // throws CapacityExceeded past the budget
 *   serversThatFit();        // 1234, or undefined where it cannot be known
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { CapacityExceeded } from "../errors.ts";

/** Descriptors the station holds per server: three pipes and a pidfd (measured with Bun 1.4.5). */
export const FDS_PER_SERVER = 4;

/** The soft RLIMIT_NOFILE of the station, or undefined when unlimited or unknown. Read each time: `prlimit --pid` may change it. */
export function openFileLimit(): number | undefined {
  let limits: string;
  try {
    limits = readFileSync("/proc/self/limits", "utf8");
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\S+)/m.exec(limits)?.[1];
  return soft === undefined || soft === "unlimited" ? undefined : Number(soft);
}

/** Descriptors open now. Linux 6.2 and later give the count as the size of /proc/self/fd (3 µs); older kernels are read in full (6 ms at 4,000). */
export function openFileCount(): number | undefined {
  try {
    return statSync("/proc/self/fd").size || readdirSync("/proc/self/fd").length;
  } catch {
    return undefined;
  }
}

/** Kept free for connections, the store and the runtime: an eighth of the limit, at least 32. */
export function reservedFiles(limit: number): number {
  return Math.max(32, Math.floor(limit / 8));
}

/** How many more servers the open-file budget holds now; undefined where it cannot be known. */
export function serversThatFit(): number | undefined {
  const limit = openFileLimit();
  const open = openFileCount();
  if (limit === undefined || open === undefined) return undefined;
  return Math.max(0, Math.floor((limit - reservedFiles(limit) - open) / FDS_PER_SERVER));
}

/** Throws CapacityExceeded (503) when one more server would eat into the reserve. */
export function ensureRoomForServer(): void {
  if (serversThatFit() !== 0) return;
  const limit = openFileLimit()!;
  throw new CapacityExceeded(
    `the station's open-file limit (RLIMIT_NOFILE ${limit}) has no room for another server: each takes ${FDS_PER_SERVER}, and ${reservedFiles(limit)} are kept for connections`,
    { open_files: openFileCount(), open_file_limit: limit },
  );
}
