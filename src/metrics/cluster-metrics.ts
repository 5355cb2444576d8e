/**
 * Cluster mode's metrics, per node (docs/cluster.md): forwarded requests by
 * outcome, sessions adopted from dead nodes, fences, lease renewals and
 * their latency, and the node's id and epoch.
 *
 * @example
 *   const meters = new ClusterMetrics(metrics.registry, "node-1", () => node.epoch);
 */
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Histogram from "prom-client/lib/histogram.js";
import type Registry from "prom-client/lib/registry.js";
import type { ClusterMeters, ForwardResult } from "../cluster/cluster-meters.ts";

const RENEW_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export class ClusterMetrics implements ClusterMeters {
  private readonly forwards: Counter<"result">;
  private readonly adoptions: Counter;
  private readonly fences: Counter;
  private readonly renewals: Counter<"outcome">;
  private readonly renewSeconds: Histogram;

  constructor(registry: Registry, nodeId: string, epoch: () => number) {
    const registers = [registry];
    this.forwards = new Counter({
      name: "mcp_station_cluster_forwarded_requests_total",
      help: "Requests this node forwarded to the node that runs their session, by outcome (answered, not_owner_retried, unreachable, failed)",
      labelNames: ["result"],
      registers,
    });
    this.adoptions = new Counter({
      name: "mcp_station_cluster_adopted_sessions_total",
      help: "Sessions of dead or departed nodes this node adopted and started again",
      registers,
    });
    this.fences = new Counter({
      name: "mcp_station_cluster_fences_total",
      help: "Times this node lost its lease and stopped all its servers",
      registers,
    });
    this.renewals = new Counter({
      name: "mcp_station_cluster_lease_renewals_total",
      help: "Lease renewals, by outcome (ok, lost: the lease was no longer this process's)",
      labelNames: ["outcome"],
      registers,
    });
    this.renewSeconds = new Histogram({
      name: "mcp_station_cluster_lease_renew_seconds",
      help: "Latency of one lease renewal (an update on PostgreSQL)",
      buckets: RENEW_BUCKETS,
      registers,
    });
    new Gauge({
      name: "mcp_station_cluster_node_epoch",
      help: "This node's epoch in the cluster (grows on every rejoin), labelled with its node id",
      labelNames: ["node_id"],
      registers,
      collect() {
        this.labels(nodeId).set(epoch());
      },
    });
  }

  forwarded(result: ForwardResult): void {
    this.forwards.labels(result).inc();
  }

  adopted(sessions: number): void {
    this.adoptions.inc(sessions);
  }

  fenced(): void {
    this.fences.inc();
  }

  renewed(ms: number, ok: boolean): void {
    this.renewals.labels(ok ? "ok" : "lost").inc();
    this.renewSeconds.observe(ms / 1000);
  }
}
