/**
 * What a session's connection needs of its server, whichever way it is
 * reached: a child process on stdio (spawn.ts) or a remote server over
 * Streamable HTTP (src/remote). Both carry newline-delimited JSON-RPC each
 * way, keep a log of what went wrong beside the messages, and end once; so
 * the JSON-RPC peer, the handshake, the restart policy and the health checks
 * above them never ask which one they have.
 */
import type { StderrLog } from "./stderr-log.ts";

export interface ExitInfo {
  code: number | null;
  signal: string | null;
  /** Why a link that is not a process ended (a remote server unreachable, its session expired). */
  reason?: string;
}

/** How long a stop may take, stage by stage. */
export interface StopTimings {
  /** After closing stdin (a process) or ending the remote session, time for it to end by itself. */
  graceMs: number;
  /** After SIGTERM, time before SIGKILL. */
  termMs: number;
}

export interface ServerLink {
  /** The process group leader; null for a remote server. */
  readonly pid: number | null;
  /** Its stderr (a process), or the link's own account of failed exchanges (a remote server). */
  readonly stderr: StderrLog;
  /** Resolves once, when the link has ended for good. */
  readonly exited: Promise<ExitInfo>;
  readonly exit: ExitInfo | undefined;
  readonly running: boolean;
  /** Sends newline-terminated JSON-RPC; throws ServerExited when the link is gone. */
  write(data: string): void;
  /** Ends it as its transport says (stdio shutdown; DELETE of a remote session). Idempotent. */
  stop(timings: StopTimings): Promise<ExitInfo>;
  /** Ends it at once, as after a crash (the restart policy's way out of a hung server). Returns whether one ran. */
  kill(): boolean;
}
