/**
 * What a node reports about the cluster: forwarded requests by outcome,
 * sessions adopted, fences, and each lease renewal's latency. The metrics
 * (src/metrics/cluster-metrics.ts) implement it; the cluster does not know them.
 */
export type ForwardResult = "answered" | "not_owner_retried" | "unreachable" | "failed";

export interface ClusterMeters {
  forwarded(result: ForwardResult): void;
  adopted(sessions: number): void;
  fenced(): void;
  renewed(ms: number, ok: boolean): void;
}

export const NO_METERS: ClusterMeters = {
  forwarded() {},
  adopted() {},
  fenced() {},
  renewed() {},
};
