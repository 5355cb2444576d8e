/** Settings of the live channels (SSE, WebSocket) and the standard MCP endpoints. See settings.ts. */
import { KiB, MiB, integer, section } from "../setting.ts";

export const live = section("live", {
  sseKeepAliveMs: integer({
    name: "MCP_STATION_SSE_KEEPALIVE_MS",
    default: 15_000,
    meaning: "Interval of `: keep-alive` comments on every SSE stream (session events, MCP endpoint streams); `0`: none.",
  }),
  sseMaxQueuedBytes: integer({
    name: "MCP_STATION_SSE_MAX_QUEUED_BYTES",
    default: 4 * MiB,
    minimum: 64 * KiB,
    meaning: "How far an SSE reader may fall behind before its stream is closed (it resumes with `Last-Event-ID`).",
  }),
  wsPingMs: integer({
    name: "MCP_STATION_WS_PING_MS",
    default: 25_000,
    meaning: "Interval of WebSocket ping frames on `/sessions/{id}/ws`; `0`: none.",
  }),
  mcpSessionIdleMs: integer({
    name: "MCP_STATION_MCP_SESSION_IDLE_MS",
    default: 30 * 60_000,
    minimum: 1_000,
    meaning:
      "A legacy client's MCP session (`Mcp-Session-Id`) with nothing in flight and no GET stream is ended after this long; on `/servers/{name}/mcp` its server stops too.",
  }),
  inputWaitMs: integer({
    name: "MCP_STATION_INPUT_WAIT_MS",
    default: 120_000,
    minimum: 100,
    meaning:
      "How long a legacy server's call, bridged to a 2026-07-28 client as `input_required`, waits for the client's retry before it is withdrawn.",
  }),
  mcpResumeBytes: integer({
    name: "MCP_STATION_MCP_RESUME_BYTES",
    default: 4 * MiB,
    meaning:
      "How much one legacy client's MCP session keeps of its SSE streams for a resume with `Last-Event-ID` (finished streams go first, oldest first); `0` keeps nothing.",
  }),
  poolMin: integer({
    name: "MCP_STATION_POOL_MIN",
    default: 0,
    maximum: 64,
    meaning: "`/servers/{name}/mcp`: processes per tenant and server kept when idle (not started ahead).",
  }),
  poolMax: integer({
    name: "MCP_STATION_POOL_MAX",
    default: 4,
    minimum: 1,
    maximum: 64,
    meaning:
      "`/servers/{name}/mcp`: most processes per tenant and server for 2026-07-28 stateless requests (raised to `MCP_STATION_POOL_MIN` if lower).",
  }),
  poolIdleMs: integer({
    name: "MCP_STATION_POOL_IDLE_MS",
    default: 300_000,
    minimum: 1_000,
    meaning: "`/servers/{name}/mcp`: a pooled process idle this long is stopped (down to `MCP_STATION_POOL_MIN`).",
  }),
});
