/**
 * Per-session health checks. Every interval each live session's server is
 * asked `ping` (legacy) or `server/discover` (2026-07-28, which has no ping)
 * with a deadline. Any answer, even a JSON-RPC error, counts as alive. A
 * check that goes unanswered makes the session `unresponsive` (requests
 * still go through: it may just be busy); the next answered one makes it
 * `running` again. After `restartAfter` unanswered checks in a row, a session
 * whose restart policy allows it is stopped and started again.
 *
 * @example
 *   const checker = new HealthChecker(() => manager.list(), { intervalMs: 30000, timeoutMs: 5000, restartAfter: 3 }, log);
 *   checker.start();
 */
import { RemoteError, RequestTimeout } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { HealthCheck } from "../sessions/session-info.ts";
import { type Session, isLive } from "../sessions/session.ts";

export interface HealthSettings {
  /** 0 turns the checks off. */
  intervalMs: number;
  timeoutMs: number;
  /** Unanswered checks in a row before the restart policy is asked to restart the server; 0: never. */
  restartAfter: number;
  /** Asked to restart an unresponsive server; returns whether it will. */
  recycle?(session: Session): boolean;
  onCheck?(ok: boolean): void;
  /** Told of each check once the session has taken it (its status is up to date): the session's history. */
  onResult?(session: Session, check: HealthCheck): void;
}

export class HealthChecker {
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly checking = new WeakSet<Session>();

  constructor(
    private readonly sessions: () => Iterable<Session>,
    private readonly settings: HealthSettings,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.settings.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.checkAll(), this.settings.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round of checks; a session whose previous check is still out is skipped. */
  async checkAll(): Promise<void> {
    const round: Promise<void>[] = [];
    for (const session of this.sessions()) {
      if (isLive(session.status) && !this.checking.has(session)) round.push(this.check(session));
    }
    await Promise.all(round);
  }

  async check(session: Session): Promise<void> {
    this.checking.add(session);
    const started = performance.now();
    const method = session.era === "modern" ? "server/discover" : "ping";
    let ok = true;
    let error: string | null = null;
    try {
      await session.probe(this.settings.timeoutMs);
    } catch (e) {
      if (e instanceof RemoteError) {
        // It answered, with an error: the server is there.
      } else if (e instanceof RequestTimeout) {
        ok = false;
        error = `no answer to ${method} within ${this.settings.timeoutMs} ms`;
      } else {
        // The server exited meanwhile: the exit handler and the restart policy deal with that.
        this.checking.delete(session);
        return;
      }
    } finally {
      this.checking.delete(session);
    }
    if (!isLive(session.status)) return;
    const failures = ok ? 0 : (session.health?.consecutive_failures ?? 0) + 1;
    const result: HealthCheck = {
      at: new Date().toISOString(),
      ok,
      method,
      latency_ms: ok ? Math.round((performance.now() - started) * 100) / 100 : null,
      error,
      consecutive_failures: failures,
    };
    session.recordHealth(result);
    this.settings.onCheck?.(ok);
    if (!ok && session.status === "running") this.log.warn("session unresponsive", { session_id: session.id, error });
    if (ok && session.status === "unresponsive") this.log.info("session responsive again", { session_id: session.id });
    session.markResponsive(ok);
    this.settings.onResult?.(session, result);
    if (!ok && this.settings.restartAfter > 0 && failures >= this.settings.restartAfter) this.settings.recycle?.(session);
  }
}
