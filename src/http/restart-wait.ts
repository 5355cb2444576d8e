/**
 * The live channels (the WebSocket, the MCP endpoints) across a restart of
 * their session's server (issue 14): a message that arrives while the
 * restart policy brings the server back waits for the new process, as a
 * request through /mcp/request does, and a channel ends only when no server
 * is coming. Both ask the session itself, which alone knows whether a restart
 * is under way.
 *
 * @example
 *   await serverRunning(session, request.signal);   // throws SessionRestarting (503) or SessionNotRunning (409)
 *   endWhenGone(session, () => socket.close(1011, "the server has exited"));
 */
import { SessionNotRunning } from "../errors.ts";
import { type Session, isLive, isTerminal } from "../sessions/session.ts";

/**
 * Resolves once the session's server takes requests. While it restarts this waits for the new process
 * within the station's request deadline and fails as any request would: SessionRestarting (503 with
 * Retry-After) when the restart cannot make it in time, SessionNotRunning (409) when no server is coming
 * (the policy gave up, the session was stopped), RequestCancelled when `signal` aborts.
 */
export async function serverRunning(session: Session, signal?: AbortSignal): Promise<void> {
  if (isLive(session.status)) return;
  // The session answers initialize from its handshake without a word to the server; asked while no server
  // runs, it first waits for one exactly as every request does (session.ts, waitForRestart).
  await session.request("initialize", undefined, { signal });
}

/**
 * Whether a server is coming for a session that has none now: a restart is under way (its backoff, or an
 * attempt that failed and is cleaned up before the next) or it is back already. Asked with the shortest
 * deadline, the session says at once: SessionNotRunning means none will come.
 */
async function serverComing(session: Session): Promise<boolean> {
  try {
    await session.request("initialize", undefined, { timeoutMs: 1 });
    return true;
  } catch (error) {
    return !(error instanceof SessionNotRunning);
  }
}

/**
 * Calls `end` once the session has ended for good, on the news of a terminal status (exited, failed). The
 * status event is pushed before the session's exit listeners run, and the restart policy is one of them:
 * the question waits for that turn to finish, then asks the session whether a server is coming.
 */
export function endWhenGone(session: Session, end: () => void): void {
  queueMicrotask(() => {
    if (!isTerminal(session.status)) return;
    void serverComing(session).then((coming) => {
      if (!coming) end();
    });
  });
}
