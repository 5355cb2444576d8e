/**
 * The station's Prometheus metrics (prom-client, in a registry of its own).
 * The /mcp/request hot path only increments counters and observes
 * histograms through label children cached here; byte counts are plain
 * numbers folded into their counters at scrape time. Everything that can be
 * counted from state (sessions by status, requests in flight) is computed
 * when scraped, not tracked.
 *
 * @example
 *   const metrics = new StationMetrics(VERSION);
 *   metrics.attach(manager);          // sessions by status, crashes, in flight
 *   await metrics.registry.metrics(); // the exposition text
 */
import type * as client from "prom-client";
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Histogram from "prom-client/lib/histogram.js";
import Registry from "prom-client/lib/registry.js";
import { RemoteError, StationError } from "../errors.ts";
import type { Era } from "../protocol/versions.ts";
import type { SessionManager } from "../sessions/manager.ts";
import type { RestartReason } from "../sessions/restart.ts";
import type { Session, SessionMeters, SessionStatus } from "../sessions/session.ts";
import { type CounterCell, FastCounter, FastHistogram, type HistogramCell } from "./fast-metrics.ts";
import { registerProcessMetrics } from "./process-metrics.ts";

/** MCP methods get a label of their own; anything else a caller sends is "other", so callers cannot grow the label set. */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "server/discover",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "tasks/get",
  "tasks/list",
  "tasks/result",
  "tasks/cancel",
]);

const STATUSES: SessionStatus[] = ["starting", "running", "unresponsive", "stopping", "exited", "restarting", "failed"];

/** Seconds: from a fast tools/list (sub-millisecond) to a long tool call. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const START_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

/** What became of one MCP request, for the outcome label. */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return "ok";
  if (error instanceof RemoteError) return "error";
  if (error instanceof StationError) {
    switch (error.type) {
      case "request_timeout":
        return "timeout";
      case "request_cancelled":
        return "cancelled";
      case "server_exited":
        return "server_exited";
      case "session_not_running":
        return "not_running";
      case "too_many_requests":
        return "throttled";
      case "message_too_large":
        return "too_large";
    }
  }
  return "failed";
}

/** The cells one MCP method (or one route and HTTP method) updates, found once. */
interface McpCells {
  byOutcome: Map<string, CounterCell>;
  duration: HistogramCell;
}
interface HttpCells {
  byStatus: Map<number, CounterCell>;
  duration: HistogramCell;
}

export class StationMetrics implements SessionMeters {
  readonly registry = new Registry();
  private readonly httpRequests = new FastCounter(
    "mcp_station_http_requests_total",
    "HTTP requests answered, by route pattern, HTTP method and status code",
    ["route", "method", "status"],
  );
  private readonly httpDuration = new FastHistogram(
    "mcp_station_http_request_duration_seconds",
    "Time from receiving an HTTP request to answering it, by route pattern and HTTP method",
    ["route", "method"],
    LATENCY_BUCKETS,
  );
  private httpInFlight = 0;
  private readonly mcpRequests = new FastCounter(
    "mcp_station_mcp_requests_total",
    "MCP requests sent to servers, by MCP method and outcome (ok, error = the server's JSON-RPC error, timeout, cancelled, server_exited, not_running, throttled, too_large, failed)",
    ["method", "outcome"],
  );
  private readonly mcpDuration = new FastHistogram(
    "mcp_station_mcp_request_duration_seconds",
    "MCP round trips to servers, by MCP method, whatever their outcome",
    ["method"],
    LATENCY_BUCKETS,
  );
  private readonly spawnDuration: client.Histogram;
  private readonly handshakeDuration: client.Histogram<"era">;
  private readonly restartsTotal: client.Counter<"reason" | "outcome">;
  private readonly crashesTotal: client.Counter;
  private readonly healthChecks: client.Counter<"outcome">;
  private readonly storeErrors: client.Counter;
  private readonly mcpCells = new Map<string, McpCells>();
  private readonly httpCells = new Map<string, Map<string, HttpCells>>();
  private bytesOut = 0;
  private bytesIn = 0;
  private sessionSource: (() => Iterable<Session>) | undefined;
  private unsavedSource: (() => number) | undefined;

  constructor(version: string, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) registerProcessMetrics(this.registry);
    new Gauge({ name: "mcp_station_build_info", help: "The station's version; always 1", labelNames: ["version"], registers }).set(
      { version },
      1,
    );
    for (const fast of [this.httpRequests, this.httpDuration, this.mcpRequests, this.mcpDuration])
      this.registry.registerMetric(fast as never);
    const self = this;
    new Gauge({
      name: "mcp_station_http_requests_in_flight",
      help: "HTTP requests being handled",
      registers,
      collect() {
        this.set(self.httpInFlight);
      },
    });
    new Gauge({
      name: "mcp_station_mcp_requests_in_flight",
      help: "MCP requests sent to servers and not yet answered",
      registers,
      collect() {
        let n = 0;
        for (const s of self.sessions()) n += s.inFlight;
        this.set(n);
      },
    });
    new Gauge({
      name: "mcp_station_sessions",
      help: "Sessions by status",
      labelNames: ["status"],
      registers,
      collect() {
        const counts = new Map<string, number>(STATUSES.map((s) => [s, 0]));
        for (const s of self.sessions()) counts.set(s.status, (counts.get(s.status) ?? 0) + 1);
        for (const [status, n] of counts) this.set({ status }, n);
      },
    });
    this.spawnDuration = new Histogram({
      name: "mcp_station_session_spawn_duration_seconds",
      help: "Time to start a server process (spawn), per start or restart",
      buckets: START_BUCKETS,
      registers,
    });
    this.handshakeDuration = new Histogram({
      name: "mcp_station_session_initialize_duration_seconds",
      help: "Time from spawn to a completed handshake (server/discover or initialize), by era",
      labelNames: ["era"],
      buckets: START_BUCKETS,
      registers,
    });
    this.restartsTotal = new Counter({
      name: "mcp_station_session_restarts_total",
      help: "Restart attempts by the restart policy, by why (exited, unresponsive) and outcome (ok, failed)",
      labelNames: ["reason", "outcome"],
      registers,
    });
    this.crashesTotal = new Counter({
      name: "mcp_station_server_crashes_total",
      help: "Servers that exited without the station asking them to",
      registers,
    });
    this.healthChecks = new Counter({
      name: "mcp_station_health_checks_total",
      help: "Per-session health checks (ping or server/discover), by outcome (ok, unanswered)",
      labelNames: ["outcome"],
      registers,
    });
    this.storeErrors = new Counter({
      name: "mcp_station_store_errors_total",
      help: "Writes to the session store that failed, retries included",
      registers,
    });
    new Gauge({
      name: "mcp_station_store_unsaved_sessions",
      help: "Sessions whose latest state the session store has not taken yet (a write failed; retried with backoff)",
      registers,
      collect() {
        this.set(self.unsavedSource?.() ?? 0);
      },
    });
    new Counter({
      name: "mcp_station_server_bytes_sent_total",
      help: "Bytes written to servers' stdin",
      registers,
      collect() {
        this.inc(self.bytesOut);
        self.bytesOut = 0;
      },
    });
    new Counter({
      name: "mcp_station_server_bytes_received_total",
      help: "Bytes read from servers' stdout",
      registers,
      collect() {
        this.inc(self.bytesIn);
        self.bytesIn = 0;
      },
    });
  }

  /** Counts sessions and their crashes from now on. */
  attach(manager: SessionManager): void {
    this.sessionSource = () => manager.list();
    manager.observe({ added: (session) => session.onExit(() => session.crashed && this.crashesTotal.inc()) });
  }

  private *sessions(): Iterable<Session> {
    if (this.sessionSource) yield* this.sessionSource();
  }

  // --- the hot path -------------------------------------------------------

  mcpRequest(method: string, error: unknown, seconds: number): void {
    const name = KNOWN_METHODS.has(method) ? method : "other";
    let cells = this.mcpCells.get(name);
    if (!cells) this.mcpCells.set(name, (cells = { byOutcome: new Map(), duration: this.mcpDuration.cell([name]) }));
    const outcome = outcomeOf(error);
    let counter = cells.byOutcome.get(outcome);
    if (!counter) cells.byOutcome.set(outcome, (counter = this.mcpRequests.cell([name, outcome])));
    counter.value += 1;
    this.mcpDuration.observe(cells.duration, seconds);
  }

  bytesToServer(bytes: number): void {
    this.bytesOut += bytes;
  }

  bytesFromServer(bytes: number): void {
    this.bytesIn += bytes;
  }

  httpStarted(): void {
    this.httpInFlight += 1;
  }

  /** One answered HTTP request. `route` is the route pattern (/sessions/:session_id), never the raw path. */
  httpFinished(route: string, method: string, status: number, seconds: number): void {
    this.httpInFlight -= 1;
    let byMethod = this.httpCells.get(route);
    if (!byMethod) this.httpCells.set(route, (byMethod = new Map()));
    let cells = byMethod.get(method);
    if (!cells) byMethod.set(method, (cells = { byStatus: new Map(), duration: this.httpDuration.cell([route, method]) }));
    let counter = cells.byStatus.get(status);
    if (!counter) cells.byStatus.set(status, (counter = this.httpRequests.cell([route, method, String(status)])));
    counter.value += 1;
    this.httpDuration.observe(cells.duration, seconds);
  }

  // --- everything else ----------------------------------------------------

  started(era: Era | undefined, spawnSeconds: number, handshakeSeconds: number): void {
    this.spawnDuration.observe(spawnSeconds);
    this.handshakeDuration.labels(era ?? "unknown").observe(handshakeSeconds);
  }

  restarted(reason: RestartReason, ok: boolean): void {
    this.restartsTotal.labels(reason, ok ? "ok" : "failed").inc();
  }

  healthChecked(ok: boolean): void {
    this.healthChecks.labels(ok ? "ok" : "unanswered").inc();
  }

  storeFailed(): void {
    this.storeErrors.inc();
  }

  /** Reads the number of sessions waiting for a store write at each scrape. */
  watchUnsaved(count: () => number): void {
    this.unsavedSource = count;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
