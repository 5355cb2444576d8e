/**
 * The station's Prometheus metrics (prom-client, in a registry of its own).
 * The hot path only increments counters and observes histograms through
 * cells found once (fast-metrics.ts): HTTP requests here, MCP requests by
 * method (method-metrics.ts) and by server and tool (server-metrics.ts),
 * whose meters each session holds. Everything that can be counted from state
 * (sessions by status, requests in flight) is computed when scraped, not
 * tracked.
 *
 * @example
 *   const metrics = new StationMetrics(VERSION, { maxToolsPerServer: 50, maxSessions: 100 });
 *   metrics.attach(manager);          // sessions by status, crashes, in flight
 *   await metrics.registry.metrics(); // the exposition text
 */
import type * as client from "prom-client";
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import Histogram from "prom-client/lib/histogram.js";
import Registry from "prom-client/lib/registry.js";
import type { Era } from "../protocol/versions.ts";
import type { SessionManager } from "../sessions/manager.ts";
import type { RestartReason } from "../sessions/restart.ts";
import type { Session, StationMeters } from "../sessions/session.ts";
import { serverLabel } from "../sessions/session-meters.ts";
import { type CounterCell, FastCounter, FastHistogram, type HistogramCell } from "./fast-metrics.ts";
import { LATENCY_BUCKETS, MethodMetrics } from "./method-metrics.ts";
import { registerProcessMetrics } from "./process-metrics.ts";
import { STATUSES, ServerMetrics } from "./server-metrics.ts";
import type { ServerMeterSet } from "./server-meters.ts";

export { outcomeOf } from "./labels.ts";

const START_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

export interface StationMetricsOptions {
  /** Process-wide metrics (CPU, memory, event loop); default on. */
  defaultMetrics?: boolean;
  /** Servers with a label of their own (MCP_STATION_METRICS_MAX_SERVERS); default 200. */
  maxServers?: number;
  /** Tool names per server with a label of their own (MCP_STATION_METRICS_MAX_TOOLS); default 50. */
  maxToolsPerServer?: number;
  /** MCP_STATION_MAX_SESSIONS, exported as mcp_station_max_sessions; not exported when unset. */
  maxSessions?: number;
}

/** The cells one route and HTTP method update, found once. */
interface HttpCells {
  byStatus: Map<number, CounterCell>;
  duration: HistogramCell;
}

export class StationMetrics implements StationMeters {
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
  private readonly byMethod: MethodMetrics;
  private readonly byServer: ServerMetrics;
  private readonly spawnDuration: client.Histogram;
  private readonly handshakeDuration: client.Histogram<"era">;
  private readonly restartsTotal: client.Counter<"reason" | "outcome">;
  private readonly crashesTotal: client.Counter;
  private readonly healthChecks: client.Counter<"outcome">;
  private readonly storeErrors: client.Counter;
  private readonly registryReloads: client.Counter;
  private readonly toolsWithheld: client.Counter<"server">;
  private readonly httpCells = new Map<string, Map<string, HttpCells>>();
  private sessionSource: (() => Iterable<Session>) | undefined;
  private unsavedSource: (() => number) | undefined;

  constructor(version: string, options: StationMetricsOptions = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) registerProcessMetrics(this.registry);
    new Gauge({ name: "mcp_station_build_info", help: "The station's version; always 1", labelNames: ["version"], registers }).set(
      { version },
      1,
    );
    for (const fast of [this.httpRequests, this.httpDuration]) this.registry.registerMetric(fast as never);
    this.byMethod = new MethodMetrics(this.registry);
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
      help: "Restart attempts (the restart policy's, and requested ones), by why (exited, unresponsive, requested) and outcome (ok, failed)",
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
    this.registryReloads = new Counter({
      name: "mcp_station_registry_reloads_total",
      help: "Reloads of the registry file, by outcome (ok: in force; failed: refused as a whole, the registry in force stays)",
      labelNames: ["outcome"],
      registers,
    });
    this.storeErrors = new Counter({
      name: "mcp_station_store_errors_total",
      help: "Writes to the session store that failed, retries included",
      registers,
    });
    this.toolsWithheld = new Counter({
      name: "mcp_station_tools_withheld_total",
      help: "Tool definitions withheld because they differ from the approved one (pinned tools), by registered server",
      labelNames: ["server"],
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
    const maxSessions = options.maxSessions;
    if (maxSessions !== undefined)
      new Gauge({
        name: "mcp_station_max_sessions",
        help: "Sessions the station runs at once at most (MCP_STATION_MAX_SESSIONS)",
        registers,
      }).set(maxSessions);
    this.byServer = new ServerMetrics(this.registry, this.byMethod, {
      maxServers: options.maxServers ?? 200,
      maxToolsPerServer: options.maxToolsPerServer ?? 50,
      sessions: () => this.sessions(),
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

  /** The meters of one server's sessions (its MCP requests and bytes), once per session. */
  forServer(server: string): ServerMeterSet {
    return this.byServer.forServer(server);
  }

  // --- the hot path -------------------------------------------------------

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

  restarted(session: Session, reason: RestartReason, ok: boolean): void {
    this.restartsTotal.labels(reason, ok ? "ok" : "failed").inc();
    this.byServer.restarted(serverLabel(session.spec), reason, ok);
  }

  healthChecked(ok: boolean): void {
    this.healthChecks.labels(ok ? "ok" : "unanswered").inc();
  }

  /** A reload of the registry file: in force (ok) or refused (failed). */
  registryReloaded(ok: boolean): void {
    this.registryReloads.inc({ outcome: ok ? "ok" : "failed" });
  }

  storeFailed(): void {
    this.storeErrors.inc();
  }

  /** A registered server's tool definition was withheld (src/pins); servers are the registry's, so the label stays bounded. */
  toolWithheld(server: string): void {
    this.toolsWithheld.inc({ server });
  }

  /** Reads the number of sessions waiting for a store write at each scrape. */
  watchUnsaved(count: () => number): void {
    this.unsavedSource = count;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
