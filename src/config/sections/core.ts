/** Core settings: HTTP, the servers' interpreters, deadlines, sizes, limits on sessions, and the warm pool. See settings.ts. */
import { LOG_LEVELS } from "../../log.ts";
import { WarmPoolEntries, parseWarmPool } from "../../sessions/warm-pool.ts";
import { KiB, MiB, choice, integer, json, oneOf, section, text } from "../setting.ts";

export const core = section("core", {
  port: integer({ name: "MCP_STATION_PORT", default: 20100, maximum: 65535, meaning: "HTTP port." }),
  host: text({ name: "MCP_STATION_HOST", default: "0.0.0.0", meaning: "Bind address." }),
  logLevel: choice({
    name: "LOG_LEVEL",
    schema: oneOf(LOG_LEVELS),
    default: "info",
    // The seed spells levels in capitals (LOG_LEVEL=INFO); Python's names come with its FastAPI-era settings.
    aliases: { warning: "warn", critical: "error", fatal: "error" },
    meaning:
      "Log level of the JSON lines on stdout, in any case (the seed's `INFO` too; Python's `warning`, `critical`, `fatal` accepted).",
  }),
  pythonCommand: text({ name: "MCP_STATION_PYTHON", default: "python3", meaning: "Interpreter for `server_type: python`." }),
  nodeCommand: text({
    name: "MCP_STATION_NODE",
    default: "node",
    meaning: "Interpreter for `server_type: node` (set `bun` or `tsx` to run `.ts` servers).",
  }),
  requestTimeoutMs: integer({
    name: "MCP_STATION_REQUEST_TIMEOUT_MS",
    default: 60_000,
    minimum: 1,
    meaning: "Default deadline of one MCP request; a caller may ask for another with `timeout_ms`.",
  }),
  maxRequestTimeoutMs: integer({
    name: "MCP_STATION_MAX_REQUEST_TIMEOUT_MS",
    default: 600_000,
    minimum: 1,
    meaning: "No request waits longer, whatever `timeout_ms` or progress asks (raised to `MCP_STATION_REQUEST_TIMEOUT_MS` if lower).",
  }),
  startTimeoutMs: integer({
    name: "MCP_STATION_START_TIMEOUT_MS",
    default: 30_000,
    minimum: 1,
    meaning: "Time for a new server to finish its handshake.",
  }),
  probeTimeoutMs: integer({
    name: "MCP_STATION_PROBE_TIMEOUT_MS",
    default: 2_000,
    minimum: 1,
    meaning: "Wait for the `server/discover` probe before also sending `initialize`.",
  }),
  maxMessageBytes: integer({
    name: "MCP_STATION_MAX_MESSAGE_BYTES",
    default: 64 * MiB,
    minimum: KiB,
    meaning: "Largest message accepted from a server (one line on its stdout).",
  }),
  maxBodyBytes: integer({ name: "MCP_STATION_MAX_BODY_BYTES", default: 16 * MiB, minimum: KiB, meaning: "Largest HTTP request body." }),
  stderrBytes: integer({
    name: "MCP_STATION_STDERR_BYTES",
    default: 256 * KiB,
    minimum: KiB,
    meaning: "Bytes of stderr kept per session.",
  }),
  eventBufferSize: integer({
    name: "MCP_STATION_EVENT_BUFFER",
    default: 1000,
    minimum: 1,
    meaning: "Events (notifications, status changes, server requests) kept per session for `GET /sessions/{id}/events` and its SSE resume.",
  }),
  maxSessions: integer({ name: "MCP_STATION_MAX_SESSIONS", default: 100, minimum: 1, meaning: "Sessions running at once." }),
  exitedTtlMs: integer({ name: "MCP_STATION_EXITED_TTL_MS", default: 300_000, meaning: "How long an exited session stays listed." }),
  idleTimeoutMs: integer({
    name: "MCP_STATION_IDLE_TIMEOUT_MS",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "A running session with no request for this long is stopped; `0` turns it off.",
  }),
  stopGraceMs: integer({
    name: "MCP_STATION_STOP_GRACE_MS",
    default: 2_000,
    meaning: "After closing a server's stdin, time before SIGTERM.",
  }),
  stopTermMs: integer({ name: "MCP_STATION_STOP_TERM_MS", default: 3_000, meaning: "After SIGTERM, time before SIGKILL." }),
  shutdownTimeoutMs: integer({
    name: "MCP_STATION_SHUTDOWN_TIMEOUT_MS",
    default: 10_000,
    minimum: 100,
    meaning: "Bound on the station's whole shutdown on SIGTERM or SIGINT.",
  }),
  warmPool: json({
    name: "MCP_STATION_WARM_POOL",
    schema: WarmPoolEntries,
    default: [],
    defaultText: "none",
    parse: parseWarmPool,
    meaning:
      "Servers started and initialized ahead, each handed whole to a create that matches: a list of `{server_type, server_command, server_args, env_vars, working_dir, size}` or `{server, size}` (a registry server, or a group: `size` processes of each of its members).",
  }),
});
