/**
 * Builds the station without listening: config in, Elysia app and session
 * manager out. Tests call `app.handle(new Request(...))` or listen on port 0.
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { Config } from "./config.ts";
import { type Logger, silentLogger } from "./log.ts";
import { healthModule } from "./modules/health/index.ts";
import { mcpModule } from "./modules/mcp/index.ts";
import { liveModule } from "./modules/live/index.ts";
import { mcpEndpointModule } from "./modules/mcp-endpoint/index.ts";
import { sessionsModule } from "./modules/sessions/index.ts";
import { serversModule } from "./modules/servers/index.ts";
import { authGate } from "./plugins/auth.ts";
import { errorHandling } from "./plugins/errors.ts";
import { SessionManager } from "./sessions/manager.ts";
import { VERSION } from "./version.ts";

export function createStation(config: Config, log: Logger = silentLogger) {
  const manager = new SessionManager(
    {
      ...config,
      clientInfo: { name: "mcp-station", version: VERSION },
    },
    log,
  );
  for (const warning of config.registryWarnings) log.warn(warning);
  // normalize off: a body with unknown fields is refused (422), not silently trimmed.
  const app = new Elysia({ normalize: false, serve: { maxRequestBodySize: config.maxBodyBytes } })
    .use(errorHandling(log))
    // Before everything else, including the OpenAPI document: who may call is decided first.
    .use(authGate(config, log))
    .use(
      openapi({
        path: "/openapi",
        // The default UIs load scripts from a CDN, which an offline container cannot reach:
        // serve the OpenAPI document only (at /openapi/json).
        provider: null,
        documentation: {
          info: {
            title: "MCP Station",
            version: VERSION,
            description: "Runs MCP servers as managed child processes and routes JSON-RPC to them over HTTP.",
          },
          tags: [
            { name: "sessions", description: "Server processes, one per session" },
            { name: "mcp", description: "MCP requests routed to a session" },
            { name: "health", description: "Liveness and readiness" },
            { name: "servers", description: "The server registry (MCP_STATION_SERVERS_FILE)" },
          ],
        },
      }),
    )
    .use(healthModule(manager, VERSION))
    .use(serversModule(config.registry, config.commandPolicy))
    .use(sessionsModule(manager, { keepAliveMs: config.sseKeepAliveMs, maxQueuedBytes: config.sseMaxQueuedBytes }))
    .use(liveModule(manager, { wsPingMs: config.wsPingMs }))
    .use(
      mcpEndpointModule(manager, {
        keepAliveMs: config.sseKeepAliveMs,
        maxQueuedBytes: config.sseMaxQueuedBytes,
        mcpSessionIdleMs: config.mcpSessionIdleMs,
        inputWaitMs: config.inputWaitMs,
        clientInfo: { name: "mcp-station", version: VERSION },
      }),
    )
    .use(mcpModule(manager));
  return { app, manager };
}

export type Station = ReturnType<typeof createStation>;
