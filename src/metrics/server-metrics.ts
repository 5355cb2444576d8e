/**
 * The metrics by server (a registry name, or a command's file name: see
 * serverLabel): requests and their time by tool and outcome, bytes each
 * way, restarts by reason, and sessions by status, counted from the
 * sessions when scraped. Each server's meters are made on its first
 * session and kept: their counters must not go back. At most `maxServers`
 * servers get a label of their own, the rest share `other`: under the
 * `any` command policy every command's file name is a server, and a caller
 * running scripts from fresh temporary names would grow the scrape forever.
 *
 * @example
 *   const servers = new ServerMetrics(registry, byMethod, { maxServers: 200, maxToolsPerServer: 50, sessions: () => manager.list() });
 *   const meters = servers.forServer("weather"); // once per session
 */
import type { Registry } from "prom-client";
import Counter from "prom-client/lib/counter.js";
import Gauge from "prom-client/lib/gauge.js";
import type { RestartReason } from "../sessions/restart.ts";
import type { Session, SessionStatus } from "../sessions/session.ts";
import { serverLabel } from "../sessions/session-meters.ts";
import { FastCounter, FastHistogram } from "./fast-metrics.ts";
import { OTHER } from "./labels.ts";
import { LATENCY_BUCKETS, type MethodMetrics } from "./method-metrics.ts";
import { type ServerFamilies, ServerMeterSet } from "./server-meters.ts";

export const STATUSES: SessionStatus[] = ["starting", "running", "unresponsive", "stopping", "exited", "restarting", "failed"];

export interface ServerMetricsOptions {
  /** Servers with a label of their own (MCP_STATION_METRICS_MAX_SERVERS); the rest are `other`. */
  maxServers: number;
  /** Tool names per server with a label of their own (MCP_STATION_METRICS_MAX_TOOLS); the rest are `other`. */
  maxToolsPerServer: number;
  /** The sessions now, read at each scrape. */
  sessions: () => Iterable<Session>;
}

export class ServerMetrics {
  private readonly families: ServerFamilies;
  private readonly byServer = new Map<string, ServerMeterSet>();
  private readonly restarts: Counter<"server" | "reason" | "outcome">;

  constructor(
    registry: Registry,
    private readonly byMethod: MethodMetrics,
    private readonly options: ServerMetricsOptions,
  ) {
    const requests = new FastCounter(
      "mcp_station_server_requests_total",
      "MCP requests by server, tool (a tools/call's tool name, else the MCP method; `other` past the cap per server) and outcome (those of mcp_station_mcp_requests_total, and tool_error: a tools/call answered with isError)",
      ["server", "tool", "outcome"],
    );
    const duration = new FastHistogram(
      "mcp_station_server_request_duration_seconds",
      "MCP requests' whole time by server and tool, whatever their outcome",
      ["server", "tool"],
      LATENCY_BUCKETS,
    );
    const bytesToServer = new FastCounter("mcp_station_bytes_to_server_total", "Bytes written to the server's stdin, by server", [
      "server",
    ]);
    const bytesFromServer = new FastCounter("mcp_station_bytes_from_server_total", "Bytes read from the server's stdout, by server", [
      "server",
    ]);
    // The station's totals, as they were before the breakdown by server: the same names and help.
    const allTo = new FastCounter("mcp_station_server_bytes_sent_total", "Bytes written to servers' stdin", []);
    const allFrom = new FastCounter("mcp_station_server_bytes_received_total", "Bytes read from servers' stdout", []);
    for (const family of [requests, duration, bytesToServer, bytesFromServer, allTo, allFrom]) registry.registerMetric(family as never);
    this.families = {
      requests,
      duration,
      bytesToServer,
      bytesFromServer,
      allBytesToServers: allTo.cell([]),
      allBytesFromServers: allFrom.cell([]),
    };
    this.restarts = new Counter({
      name: "mcp_station_server_restarts_total",
      help: "Restart attempts, by server, why (exited, unresponsive, requested) and outcome (ok, failed)",
      labelNames: ["server", "reason", "outcome"],
      registers: [registry],
    });
    const self = this;
    new Gauge({
      name: "mcp_station_server_sessions",
      help: "Sessions by server and status; every status of a server that has any session now",
      labelNames: ["server", "status"],
      registers: [registry],
      collect() {
        this.reset();
        const counts = new Map<string, Map<SessionStatus, number>>();
        for (const session of self.options.sessions()) {
          const server = self.labelOf(serverLabel(session.spec));
          let byStatus = counts.get(server);
          if (!byStatus) counts.set(server, (byStatus = new Map(STATUSES.map((s) => [s, 0]))));
          byStatus.set(session.status, (byStatus.get(session.status) ?? 0) + 1);
        }
        for (const [server, byStatus] of counts) for (const [status, n] of byStatus) this.set({ server, status }, n);
      },
    });
  }

  /** The meters of `server`, made on its first session; past the cap, `other`'s. */
  forServer(server: string): ServerMeterSet {
    const label = this.byServer.has(server) || this.byServer.size < this.options.maxServers ? server : OTHER;
    let meters = this.byServer.get(label);
    if (!meters)
      this.byServer.set(label, (meters = new ServerMeterSet(label, this.families, this.byMethod, this.options.maxToolsPerServer)));
    return meters;
  }

  restarted(server: string, reason: RestartReason, ok: boolean): void {
    this.restarts.labels(this.labelOf(server), reason, ok ? "ok" : "failed").inc();
  }

  /** The label `server` is counted under: its own once its first session made its meters, else `other`. */
  private labelOf(server: string): string {
    return this.byServer.has(server) ? server : OTHER;
  }
}
