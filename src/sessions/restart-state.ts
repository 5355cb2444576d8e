/**
 * What a session knows of its restarts: the policy in force, how many times
 * the server was started again, when the next attempt is due, why the session
 * failed when the policy gave up, and the callers waiting for the server to
 * be back. The policy itself (when to restart, the backoff) is restart.ts's;
 * this is the session's side of it.
 */
import type { RestartPolicy } from "./launch-request.ts";
import { type SessionInfo, type SessionStatus, isLive } from "./session-info.ts";

export interface PolicyInForce {
  policy: RestartPolicy;
  max_restarts: number;
}

/**
 * How a wait for the server ended: it runs again; it cannot be back by the caller's deadline; no server is
 * coming (the policy gave up, or the session was stopped); the caller withdrew.
 */
export type WaitOutcome = "back" | "late" | "gone" | "cancelled";

interface Waiter {
  deadline: number;
  settle(outcome: WaitOutcome): void;
}

export class RestartState {
  policy: PolicyInForce = { policy: "never", max_restarts: 0 };
  /** Times the server was started again: by the restart policy, or asked for (restartOnRequest). */
  restarts = 0;
  /** While restarting: when the next attempt is due. */
  nextAttemptAt: Date | undefined;
  /** Why the session failed (status failed): it could not be restored, or restarts gave up. */
  failureReason: string | undefined;
  private cancelAttempt: (() => void) | undefined;
  /** From the exit the policy restarts after until the server runs again, the policy gives up, or the session stops. */
  private inRestart = false;
  private readonly waiters = new Set<Waiter>();

  /** The policy restart.ts found for the session (its request's, its registry entry's, or the station's). */
  apply(policy: PolicyInForce): void {
    this.policy = { ...policy };
  }

  /** A start clears the failure of an earlier run. */
  starting(): void {
    this.failureReason = undefined;
  }

  /** An attempt brought the server back. */
  succeeded(): void {
    this.restarts += 1;
  }

  /** A restored session keeps the count of its previous run. */
  restored(restarts: number): void {
    this.restarts = restarts;
  }

  /** The next attempt is due at `at`; `cancel` drops it. */
  scheduled(at: Date, cancel: () => void): void {
    this.nextAttemptAt = at;
    this.cancelAttempt = cancel;
    this.inRestart = true;
  }

  /** A restart asked for is under way now: callers wait for it as for an attempt being made. */
  underWay(): void {
    this.inRestart = true;
    this.nextAttemptAt = undefined;
  }

  /** The attempt is being made now. */
  attempting(): void {
    this.nextAttemptAt = undefined;
  }

  /** The station was asked to end the session: whatever happens next is no restart. */
  stopped(): void {
    this.inRestart = false;
  }

  /** The session is being stopped while it waits out a backoff: the attempt will not be made. */
  cancel(): void {
    this.cancelAttempt?.();
    this.cancelAttempt = undefined;
    this.nextAttemptAt = undefined;
  }

  /** No attempt will be made any more, for `reason`. */
  gaveUp(reason: string): void {
    this.failureReason = reason;
    this.nextAttemptAt = undefined;
    this.cancelAttempt = undefined;
    this.inRestart = false;
  }

  /** Whether a caller that finds the server not running may wait for it: the policy is bringing it back. */
  get restarting(): boolean {
    return this.inRestart;
  }

  /**
   * Waits until the server runs again, up to `deadline` (a Date.now() time). Ends "late" at once when the
   * next attempt is due after the deadline, and as soon as a rescheduled attempt is.
   */
  waitBack(deadline: number, signal: AbortSignal | undefined): Promise<WaitOutcome> {
    if (this.dueAfter(deadline)) return Promise.resolve("late");
    if (signal?.aborted) return Promise.resolve("cancelled");
    return new Promise((resolve) => {
      const onAbort = () => waiter.settle("cancelled");
      const timer = setTimeout(() => waiter.settle("late"), deadline - Date.now());
      const waiter: Waiter = {
        deadline,
        settle: (outcome) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          this.waiters.delete(waiter);
          resolve(outcome);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** The session's status changed: the waiters whose wait it decides are told. */
  statusChanged(status: SessionStatus): void {
    if (isLive(status)) this.inRestart = false;
    for (const waiter of [...this.waiters]) {
      if (isLive(status)) waiter.settle("back");
      else if (!this.inRestart) waiter.settle("gone");
      else if (this.dueAfter(waiter.deadline)) waiter.settle("late");
    }
  }

  private dueAfter(deadline: number): boolean {
    return this.nextAttemptAt !== undefined && this.nextAttemptAt.getTime() > deadline;
  }

  info(): Pick<SessionInfo, "restart_policy" | "max_restarts" | "restarts" | "next_restart_at" | "failure_reason"> {
    return {
      restart_policy: this.policy.policy,
      max_restarts: this.policy.max_restarts,
      restarts: this.restarts,
      next_restart_at: this.nextAttemptAt?.toISOString() ?? null,
      failure_reason: this.failureReason ?? null,
    };
  }
}
