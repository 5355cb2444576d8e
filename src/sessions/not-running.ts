/**
 * What a caller is told when its session's server is not there to take its
 * request: 409 when none is coming (with how it exited, or why the session
 * failed), and 503 with Retry-After when a restart will bring it back, but
 * not within the request's deadline.
 */
import { SessionNotRunning, SessionRestarting } from "../errors.ts";
import { describeExit } from "./exit-report.ts";
import type { SessionState } from "./session-state.ts";

type Facts = Pick<SessionState, "id" | "status" | "exit" | "failureReason" | "nextRestartAt">;

export function notRunning({ id, status, exit, failureReason }: Facts): SessionNotRunning {
  const detail = status === "exited" ? ` (${describeExit(exit)})` : status === "failed" && failureReason ? `: ${failureReason}` : "";
  const details: Record<string, unknown> = { session_id: id, status, exit_code: exit?.code ?? null, exit_signal: exit?.signal ?? null };
  if (status === "failed") details.failure_reason = failureReason ?? null;
  return new SessionNotRunning(`session ${id} is ${status}${detail}`, details);
}

export function notBackInTime({ id, status, nextRestartAt: at }: Facts, timeoutMs: number): SessionRestarting {
  const when = at ? `its next attempt is due at ${at.toISOString()}` : "its restart is still under way";
  const error = new SessionRestarting(`session ${id} is restarting and will not be back within ${timeoutMs} ms: ${when}`, {
    session_id: id,
    status,
    next_restart_at: at?.toISOString() ?? null,
  });
  // An attempt under way takes about a start's time: ask again in a second.
  error.headers = { "retry-after": String(at ? Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000)) : 1) };
  return error;
}
