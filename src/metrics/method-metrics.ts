/**
 * The MCP request metrics by method, whatever the server: requests by
 * outcome, their whole time, and that time split in two, the server's (from
 * each write to the server to its answer) and the station's (the rest). The
 * two parts of every request are observed, so per method their sums add up
 * to the whole time's sum and their counts equal its count.
 *
 * @example
 *   const byMethod = new MethodMetrics(registry);
 *   const cells = byMethod.cells("tools/call"); // a map lookup; cells made once per method
 *   cells.observe("ok", 0.012, 0.010);          // 10 ms in the server, 2 ms in the station
 */
import type { Registry } from "prom-client";
import { type CounterCell, FastCounter, FastHistogram, type HistogramCell } from "./fast-metrics.ts";
import { methodLabel } from "./labels.ts";

/** Seconds: from a fast tools/list (sub-millisecond) to a long tool call. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** The station's part of a request is tens of microseconds: these start finer than LATENCY_BUCKETS. */
const SPLIT_BUCKETS = [0.00005, 0.0001, 0.00025, ...LATENCY_BUCKETS];

/** The cells of one method, found once. */
export class MethodCells {
  private readonly byOutcome = new Map<string, CounterCell>();

  constructor(
    readonly label: string,
    private readonly families: MethodMetrics,
    private readonly duration: HistogramCell,
    private readonly serverTime: HistogramCell,
    private readonly stationTime: HistogramCell,
  ) {}

  observe(outcome: string, seconds: number, serverSeconds: number): void {
    let counter = this.byOutcome.get(outcome);
    if (!counter) this.byOutcome.set(outcome, (counter = this.families.requests.cell([this.label, outcome])));
    counter.value += 1;
    const families = this.families;
    families.duration.observe(this.duration, seconds);
    families.serverTime.observe(this.serverTime, serverSeconds);
    families.stationTime.observe(this.stationTime, seconds - serverSeconds);
  }
}

export class MethodMetrics {
  readonly requests = new FastCounter(
    "mcp_station_mcp_requests_total",
    "MCP requests sent to servers, by MCP method and outcome (ok, error = the server's JSON-RPC error, timeout, cancelled, server_exited, not_running, throttled, too_large, failed)",
    ["method", "outcome"],
  );
  readonly duration = new FastHistogram(
    "mcp_station_mcp_request_duration_seconds",
    "MCP round trips to servers, by MCP method, whatever their outcome",
    ["method"],
    LATENCY_BUCKETS,
  );
  readonly serverTime = new FastHistogram(
    "mcp_station_mcp_server_time_seconds",
    "The servers' part of each MCP request, from the write to the server to its answer (0 for a request that never reached one), by MCP method",
    ["method"],
    SPLIT_BUCKETS,
  );
  readonly stationTime = new FastHistogram(
    "mcp_station_mcp_station_time_seconds",
    "The station's part of each MCP request (its whole time less the server's part), by MCP method",
    ["method"],
    SPLIT_BUCKETS,
  );
  private readonly byMethod = new Map<string, MethodCells>();

  constructor(registry: Registry) {
    for (const family of [this.requests, this.duration, this.serverTime, this.stationTime]) registry.registerMetric(family as never);
  }

  cells(method: string): MethodCells {
    let cells = this.byMethod.get(method);
    if (cells) return cells;
    const label = methodLabel(method);
    // A method with no label of its own shares "other"'s cells; the map stays as small as the label set.
    cells = this.byMethod.get(label);
    if (!cells) {
      const values = [label];
      cells = new MethodCells(label, this, this.duration.cell(values), this.serverTime.cell(values), this.stationTime.cell(values));
      this.byMethod.set(label, cells);
    }
    return cells;
  }
}
