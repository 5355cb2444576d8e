/**
 * What a node counts about the cluster, read by the metrics (src/metrics):
 * forwarded requests by outcome, sessions adopted, fences, and the latency
 * of each lease renewal.
 */
export type ForwardResult = "answered" | "not_owner_retried" | "unreachable" | "failed";

export class ClusterMeters {
  readonly forwards: Record<ForwardResult, number> = { answered: 0, not_owner_retried: 0, unreachable: 0, failed: 0 };
  adoptions = 0;
  fences = 0;
  renewals = 0;
  renewFailures = 0;
  /** Seconds of each renewal since the last read (drained by the metrics). */
  private renewSeconds: number[] = [];

  forwarded(result: ForwardResult): void {
    this.forwards[result] += 1;
  }

  adopted(sessions: number): void {
    this.adoptions += sessions;
  }

  fenced(): void {
    this.fences += 1;
  }

  renewed(ms: number, ok: boolean): void {
    if (ok) this.renewals += 1;
    else this.renewFailures += 1;
    if (this.renewSeconds.length < 10_000) this.renewSeconds.push(ms / 1000);
  }

  /** The renewal latencies observed since the last call. */
  drainRenewSeconds(): number[] {
    const out = this.renewSeconds;
    this.renewSeconds = [];
    return out;
  }
}
