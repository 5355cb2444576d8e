/**
 * A session's history entries, each built from what the session shows at
 * the moment it happens (its status, exit, stderr, health, next restart).
 * The history observes; nothing here changes a session.
 *
 * Why a restart happens is not something the session states: the restart
 * policy (src/sessions/restart.ts) decides from the same facts, and
 * `restartReason` reads them back: a server that exited unasked crashed (or
 * died starting again); one the station stopped was recycled for missing its
 * health checks; one that neither crashed nor was stopped failed its
 * handshake on a restart attempt.
 */
import { describeExit } from "../sessions/exit-report.ts";
import type { HealthCheck, SessionStatus } from "../sessions/session-info.ts";
import type { Session } from "../sessions/session.ts";
import {
  type ExitEntry,
  type HealthEntry,
  type HistoryEntry,
  type RestartEntry,
  STDERR_TAIL_CHARS,
  STDERR_TAIL_LINES,
} from "./history-entry.ts";

/** The entry a session starts its history with, as it joins the station's set. */
export function joinedEntry(session: Session): HistoryEntry {
  let detail: string | null = null;
  if (session.status === "failed") detail = session.failureReason ?? null;
  else if (session.restoredAt) detail = "restored after a station restart";
  // Only a warm process joins already running: the pool started it before anyone asked.
  else if (session.status === "running") detail = "a warm process, handed over";
  return { at: now(), kind: "status", status: session.status, detail };
}

/** A status change that no other kind explains; `previous` is the status it left. */
export function statusEntry(session: Session, previous: SessionStatus): HistoryEntry {
  let detail: string | null = null;
  if (session.status === "failed") detail = session.failureReason ?? null;
  else if (session.status === "starting" && previous === "restarting") detail = "restart attempt";
  else if (session.status === "exited" && previous === "restarting") detail = "stopped while waiting to restart";
  else if (session.status === "exited") detail = "stopped";
  return { at: now(), kind: "status", status: session.status, detail };
}

/** The server just exited (status exited): how, and what it last wrote to stderr. */
export function exitEntry(session: Session): ExitEntry {
  const exit = session.exit;
  let tail = session.stderr?.lastText(STDERR_TAIL_LINES) ?? "";
  if (tail.length > STDERR_TAIL_CHARS) tail = tail.slice(-STDERR_TAIL_CHARS);
  return {
    at: session.exitedAt?.toISOString() ?? now(),
    kind: "exit",
    status: session.status,
    detail: `${session.crashed ? "crashed" : "stopped"}: ${describeExit(exit)}`,
    exit_code: exit?.code ?? null,
    exit_signal: exit?.signal ?? null,
    crashed: session.crashed,
    stderr_tail: tail,
  };
}

/** The restart policy scheduled an attempt (status restarting); `exitedFrom` is the status the server exited from. */
export function restartEntry(session: Session, exitedFrom: SessionStatus | undefined): RestartEntry {
  const reason = restartReason(session, exitedFrom);
  const next = session.nextRestartAt?.toISOString() ?? null;
  return {
    at: now(),
    kind: "restart",
    status: session.status,
    detail: next ? `${reason}; next attempt at ${next}` : reason,
    reason,
    next_attempt_at: next,
  };
}

export function restartReason(session: Session, exitedFrom: SessionStatus | undefined): string {
  if (session.restartRequested) return "restarted on request";
  const exit = describeExit(session.exit);
  // The restart policy kills a server the health checks gave up on (src/sessions/restart.ts).
  if (exitedFrom === "unresponsive" && session.exit?.signal === "SIGKILL") return "it stopped answering health checks";
  if (session.crashed) {
    return exitedFrom === "starting"
      ? `the restart attempt failed: the server exited during start (${exit})`
      : `the server exited (${exit})`;
  }
  if (session.stopRequested) return "it stopped answering health checks";
  return "the restart attempt failed: the server did not complete its handshake";
}

/** A health check's outcome, with the status it left the session in. */
export function healthEntry(session: Session, check: HealthCheck): HealthEntry {
  const { at, ...result } = check;
  const detail = check.ok ? `answered ${check.method} in ${check.latency_ms} ms` : (check.error ?? `no answer to ${check.method}`);
  return { at, kind: "health", status: session.status, detail, ...result };
}

function now(): string {
  return new Date().toISOString();
}
