/**
 * The restart policy: what happens when a session's server exits without
 * the station asking it to. `never` leaves it exited (the seed's behaviour);
 * `on-failure` starts it again after a failure (a non-zero exit code, a
 * signal, or a server the health checks found unresponsive); `always` after
 * any exit. Attempts back off exponentially (base, 2x base, 4x base, ... up
 * to a cap); after `max_restarts` attempts in a row the session fails. A run
 * that lasted longer than the backoff cap ends the streak. A restart keeps
 * the session_id, starts a fresh process and completes the handshake again.
 *
 * @example
 *   const supervisor = new RestartSupervisor({ policy: "on-failure", maxRestarts: 5, backoffMs: 1000, maxBackoffMs: 60000 }, log);
 *   manager.observe(supervisor);
 */
import type { Logger } from "../log.ts";
import type { RestartPolicy } from "./launch-request.ts";
import type { SessionObserver } from "./observed-sessions.ts";
import { describeExit } from "./exit-report.ts";
import type { Session } from "./session.ts";
import { ATTR } from "../tracing/attributes.ts";
import { startSessionSpan } from "../tracing/session-spans.ts";
import { traced } from "../tracing/spans.ts";

export interface RestartSettings {
  /** The station's default, for sessions whose request and registry entry name none. */
  policy: RestartPolicy;
  maxRestarts: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** A registry entry's own policy, by name. */
  registryPolicy?(server: string): { policy?: RestartPolicy; maxRestarts?: number } | undefined;
  /** Told of each restart attempt (metrics). */
  onRestart?(session: Session, reason: RestartReason, ok: boolean): void;
}

/** Why a server was started again: the policy's two reasons, or a restart asked for (POST /sessions/{id}/restart). */
export type RestartReason = "exited" | "unresponsive" | "requested";

/** Whether `policy` restarts a server that ended this way. Only exits the station did not ask for reach here. */
export function wantsRestart(
  policy: RestartPolicy,
  exit: { code: number | null; signal: string | null } | undefined,
  reason: RestartReason,
): boolean {
  if (policy === "never") return false;
  if (policy === "always" || reason === "unresponsive") return true;
  return exit !== undefined && (exit.signal !== null || exit.code !== 0);
}

/** Delay before attempt `n` (1-based): base * 2^(n-1), capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, attempt - 1));
}

interface Streak {
  attempts: number;
  /** The current run reached running: only then is its exit the policy's business (a failed start is reported to its caller). */
  armed: boolean;
  timer?: ReturnType<typeof setTimeout>;
  gone: boolean;
  /** The station killed the server because it stopped answering: its exit is restarted as "unresponsive". */
  recycling?: boolean;
}

export class RestartSupervisor implements SessionObserver {
  private readonly streaks = new WeakMap<Session, Streak>();

  constructor(
    private readonly settings: RestartSettings,
    private readonly log: Logger,
  ) {}

  added(session: Session): void {
    if (this.streaks.has(session)) return;
    const request = session.spec.request;
    const fromRegistry = session.spec.server ? this.settings.registryPolicy?.(session.spec.server) : undefined;
    session.applyRestartPolicy({
      policy: request?.restart_policy ?? fromRegistry?.policy ?? this.settings.policy,
      max_restarts: request?.max_restarts ?? fromRegistry?.maxRestarts ?? this.settings.maxRestarts,
    });
    // A warm process handed over (warm-pool.ts) joins the set already running: no status change will arm it.
    const streak: Streak = { attempts: 0, armed: session.status === "running", gone: false };
    this.streaks.set(session, streak);
    session.onChange((_, change) => {
      if (change !== "status") return;
      if (session.status === "running") streak.armed = true;
      else if (session.status === "starting") streak.armed = false;
    });
    session.onExit(() => {
      const reason: RestartReason = streak.recycling ? "unresponsive" : "exited";
      streak.recycling = false;
      if (streak.armed && session.crashed) this.schedule(session, reason);
    });
  }

  /** A restart asked for is counted with the policy's own (metrics), as reason "requested". */
  restartRequested(session: Session, ok: boolean): void {
    this.settings.onRestart?.(session, "requested", ok);
  }

  removed(session: Session): void {
    const streak = this.streaks.get(session);
    if (!streak) return;
    streak.gone = true;
    if (streak.timer) clearTimeout(streak.timer);
  }

  /**
   * The health checks gave up on a running server: under on-failure or
   * always it is stopped and started again. Returns whether it will be.
   */
  recycle(session: Session): boolean {
    const streak = this.streaks.get(session);
    if (!streak || streak.gone || !wantsRestart(session.restartPolicy.policy, undefined, "unresponsive")) return false;
    // Killed, not stopped: a server that answers no ping will not take a graceful stop either, and a
    // stop would leave the session "stopping" for up to its grace periods, refusing callers with 409
    // meanwhile and forgotten by a restore if the station died then (found by the soak, bench/soak).
    // Killed, its exit takes the crash path: restarting at once, callers wait, the store restores it.
    this.log.warn("killing an unresponsive server to restart it", { session_id: session.id });
    streak.recycling = true;
    if (!session.killServer()) streak.recycling = false;
    return true;
  }

  private schedule(session: Session, reason: RestartReason): void {
    const streak = this.streaks.get(session);
    if (!streak || streak.gone) return;
    const { policy, max_restarts } = session.restartPolicy;
    if (!wantsRestart(policy, session.exit, reason)) return;
    const ranFor = session.startedAt && session.exitedAt ? session.exitedAt.getTime() - session.startedAt.getTime() : 0;
    if (ranFor >= this.settings.maxBackoffMs) streak.attempts = 0;
    const why = reason === "unresponsive" ? "it stopped answering health checks" : describeExit(session.exit);
    if (streak.attempts >= max_restarts) {
      session.markFailed(`gave up after ${streak.attempts} restart${streak.attempts === 1 ? "" : "s"} in a row; last: ${why}`);
      this.log.error("restart policy gave up", { session_id: session.id, restarts: session.restarts, reason: why });
      return;
    }
    streak.attempts += 1;
    const delay = backoffDelay(streak.attempts, this.settings.backoffMs, this.settings.maxBackoffMs);
    const cancel = () => {
      if (streak.timer) clearTimeout(streak.timer);
      streak.timer = undefined;
    };
    session.markRestarting(new Date(Date.now() + delay), cancel);
    this.log.info("restarting server", { session_id: session.id, attempt: streak.attempts, delay_ms: delay, reason: why });
    streak.timer = setTimeout(() => {
      streak.timer = undefined;
      void this.attempt(session, streak, reason);
    }, delay);
  }

  private async attempt(session: Session, streak: Streak, reason: RestartReason): Promise<void> {
    if (streak.gone || session.status !== "restarting") return;
    try {
      // A trace of its own: no caller waits on a restart. The new run's `session start` is its child.
      const span = startSessionSpan("session restart", session.id, {
        [ATTR.stationRestartReason]: reason,
        [ATTR.stationRestartAttempt]: streak.attempts,
      });
      await traced(span, () => session.restartServer());
    } catch (error) {
      this.settings.onRestart?.(session, reason, false);
      if (streak.gone || session.stopRequested) return;
      this.log.warn("restart failed", { session_id: session.id, attempt: streak.attempts, reason: (error as Error).message });
      // A failed start counts as a failure of its own, whatever the policy's exit rule says.
      this.schedule(session, "unresponsive");
      return;
    }
    this.settings.onRestart?.(session, reason, true);
    this.log.info("server restarted", { session_id: session.id, restarts: session.restarts, pid: session.pid });
  }
}
