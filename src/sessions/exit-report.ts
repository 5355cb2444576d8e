/**
 * What the callers of a server that exited are told: how it ended (exit code,
 * signal, a resource limit that killed it) and its last stderr lines, the
 * same whichever instant of the death a request fell on.
 */
import { RequestTimeout, ServerExited, StartFailed } from "../errors.ts";
import type { ExitInfo, ServerLink } from "../process/server-link.ts";
import { limitExitReason } from "../security/rlimits.ts";

export function describeExit(exit: ExitInfo | undefined): string {
  if (!exit) return "still running";
  if (exit.reason) return exit.reason;
  const limit = limitExitReason(exit.signal);
  if (limit) return `killed by ${exit.signal}: ${limit}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** The failure of a request that `child`'s exit ended; `when` says where the request stood. */
export function serverExited(exit: ExitInfo, child: ServerLink, when: string, cause?: unknown): ServerExited {
  return new ServerExited(
    `the server exited (${describeExit(exit)}) ${when}`,
    { exit_code: exit.code, exit_signal: exit.signal, stderr_tail: child.stderr.lastText(20) },
    { cause },
  );
}

/** Why a start failed: the server died during it (`crashed`), said nothing in time, or broke the handshake. */
export function startFailure(
  error: unknown,
  exit: ExitInfo | undefined,
  crashed: boolean,
  child: ServerLink,
  startTimeoutMs: number,
): StartFailed {
  const why = crashed
    ? `the server exited during start (${describeExit(exit)})`
    : error instanceof RequestTimeout
      ? `no answer to server/discover or initialize within ${startTimeoutMs} ms`
      : (error as Error).message;
  return new StartFailed(`server failed to start: ${why}`, {
    exit_code: exit?.code ?? null,
    exit_signal: exit?.signal ?? null,
    stderr: child.stderr.lastText(50),
  });
}

/**
 * Long enough for a dead server's exit to be known: spawn.ts reports it once stdout and stderr are drained,
 * at most 200 ms after the death. A server that closed its stdin and lives on is not waited for longer.
 */
const EXIT_AFTER_WRITE_FAILURE_MS = 1_000;

/**
 * A write found the server's stdin broken: it died (or closed its stdin), but its exit is not known yet and
 * the session still says running. Rather than fail at once with a bare "EPIPE", the request waits (bounded,
 * and never past its own deadline) for the exit, so its caller is told what every caller of a dying server
 * is told, exit code and stderr tail included, whichever instant of the death its write fell on. It never
 * reached the server, but it is not sent again: the exit handler decides what becomes of the session.
 */
export async function exitAfterWriteFailure(child: ServerLink, failure: ServerExited, timeoutMs: number): Promise<ServerExited> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.min(timeoutMs, EXIT_AFTER_WRITE_FAILURE_MS));
  });
  const exit = await Promise.race([child.exited, gaveUp]);
  clearTimeout(timer);
  if (exit) return serverExited(exit, child, "as the request was being sent", failure);
  return new ServerExited(
    `${failure.message}: the server no longer reads its stdin and has not exited`,
    { exit_code: null, exit_signal: null, stderr_tail: child.stderr.lastText(20) },
    { cause: failure },
  );
}
