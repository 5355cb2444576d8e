/**
 * What a session knows of its restarts: the policy in force, how many times
 * the server was started again, when the next attempt is due, and why the
 * session failed when the policy gave up. The policy itself (when to restart,
 * the backoff) is restart.ts's; this is the session's side of it.
 */
import type { RestartPolicy } from "./launch-request.ts";
import type { SessionInfo } from "./session-info.ts";

export interface PolicyInForce {
  policy: RestartPolicy;
  max_restarts: number;
}

export class RestartState {
  policy: PolicyInForce = { policy: "never", max_restarts: 0 };
  /** Times the restart policy started the server again. */
  restarts = 0;
  /** While restarting: when the next attempt is due. */
  nextAttemptAt: Date | undefined;
  /** Why the session failed (status failed): it could not be restored, or restarts gave up. */
  failureReason: string | undefined;
  private cancelAttempt: (() => void) | undefined;

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
  }

  /** The attempt is being made now. */
  attempting(): void {
    this.nextAttemptAt = undefined;
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
