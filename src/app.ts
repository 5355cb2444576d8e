/**
 * Builds the station without listening: config in, Elysia app and session
 * manager out. Tests call `app.handle(new Request(...))` or listen on port 0.
 */
import { type AnyElysia, Elysia } from "elysia";
import type { Config } from "./config.ts";
import { type Logger, silentLogger } from "./log.ts";
import { healthModule } from "./modules/health/index.ts";
import { metricsModule } from "./modules/metrics/index.ts";
import { StationMetrics } from "./metrics/station-metrics.ts";
import { ClusterMetrics } from "./metrics/cluster-metrics.ts";
import { setUpOperations } from "./operations.ts";
import { requestLog } from "./plugins/request-log.ts";
import type { SessionStore } from "./store/session-store.ts";
import { mcpModule } from "./modules/mcp-request/index.ts";
import { openapiModule } from "./modules/openapi/index.ts";
import { liveModule } from "./modules/live/index.ts";
import { mcpEndpointModule } from "./modules/streamable-http/index.ts";
import { sessionsModule } from "./modules/sessions/index.ts";
import { LiveRegistry } from "./registry/live-registry.ts";
import type { ServerEntry } from "./registry/registry.ts";
import { serversModule } from "./modules/servers/index.ts";
import { oauthMetadataModule } from "./modules/oauth-metadata/index.ts";
import { ProtectedResource } from "./security/oauth.ts";
import { uiModule } from "./modules/ui/index.ts";
import { authGate } from "./plugins/auth.ts";
import { ClusterNode } from "./cluster/node.ts";
import { clusterModule } from "./modules/cluster/index.ts";
import { clusterRouting } from "./plugins/cluster-routing.ts";
import { errorHandling } from "./plugins/errors.ts";
import { LiveTickets, ticketKey } from "./security/live-tickets.ts";
import { SessionManager } from "./sessions/manager.ts";
import { pinsModule } from "./modules/pins/index.ts";
import { accessModule } from "./modules/access/index.ts";
import { secretsModule } from "./modules/secrets/index.ts";
import { ToolPins } from "./pins/tool-pins.ts";
import { AccessTokens } from "./remote/oauth-client.ts";
import { MemorySecrets } from "./secrets/memory-backend.ts";
import { SecretVault } from "./secrets/vault.ts";
import { PinRows } from "./store/pin-rows.ts";
import { SecretRows } from "./store/secret-rows.ts";
import { VERSION } from "./version.ts";

export interface StationOptions {
  /** Where sessions are recorded and restored from (src/store/open.ts); none: nothing is persisted. */
  store?: SessionStore;
  /** Process-wide metrics (CPU, memory, event loop); off for the many stations of one test process. */
  defaultMetrics?: boolean;
  /** WebSocket tickets; tests pass their own on a fake clock to see one expire. */
  liveTickets?: LiveTickets;
}

export function createStation(config: Config, log: Logger = silentLogger, options: StationOptions = {}) {
  const metrics = new StationMetrics(VERSION, {
    defaultMetrics: options.defaultMetrics ?? false,
    maxServers: config.metricsMaxServers,
    maxToolsPerServer: config.metricsMaxTools,
    maxSessions: config.maxSessions,
  });
  const store = options.store;
  const pins =
    config.toolPinning === "off"
      ? undefined
      : new ToolPins({
          mode: config.toolPinning,
          log,
          backend: store ? new PinRows(store.db, store.tablePrefix) : undefined,
          registryPins: registryPinsOf(config.registry),
          onWithheld: (server) => metrics.toolWithheld(server),
        });
  // Without a store, secrets live as long as the process (docs/security.md#tenant-secrets).
  const vault = config.secretsKey
    ? new SecretVault({
        key: config.secretsKey,
        oldKeys: config.secretsOldKeys,
        backend: store ? new SecretRows(store.db, store.tablePrefix) : new MemorySecrets(),
        log,
      })
    : undefined;
  const manager = new SessionManager(
    {
      ...config,
      clientInfo: { name: "mcp-station", version: VERSION },
      meters: metrics,
      toolGuard: pins,
      secrets: vault,
      accessTokens: new AccessTokens(),
    },
    log,
  );
  const operations = setUpOperations(config, manager, metrics, log, options.store);
  // The registry file read again on change and on SIGHUP (index.ts); running sessions follow what changed.
  const registry = new LiveRegistry(
    config.serversFile,
    config.registry,
    config.groups,
    log,
    (ok) => metrics.registryReloaded(ok),
    config.access,
  );
  registry.onChange((change) => manager.registryChanged(change));
  // Pins the file gives (`station.pinned_tools`) follow it too.
  if (pins) registry.onChange(() => void pins.useRegistryPins(registryPinsOf(registry.servers)));
  if (config.registryWatch) registry.watch();
  for (const warning of config.registryWarnings) log.warn(warning);
  // One key across a cluster: a ticket one node issued opens the socket through any other (docs/live-channels.md).
  const tickets = options.liveTickets ?? new LiveTickets(Date.now, ticketKey(config.cluster?.secret));
  // Cluster mode (docs/cluster.md): index.ts joins after listening, instead of the one-station restore.
  const cluster: ClusterNode | undefined =
    config.cluster && config.databaseUrl && options.store && operations.persistence
      ? new ClusterNode({
          settings: config.cluster,
          databaseUrl: config.databaseUrl,
          store: options.store,
          persistence: operations.persistence,
          manager,
          graceMs: config.stopTermMs,
          log,
          meters: new ClusterMetrics(metrics.registry, config.cluster.nodeId, (): number => cluster?.epoch ?? 0),
        })
      : undefined;
  const readiness = async () => {
    const state = await operations.readiness();
    if (!cluster || cluster.status === "live") return state;
    return { ...state, ready: false, reason: `cluster node ${cluster.status} (docs/cluster.md)` };
  };
  /** With OAuth on, the station as a protected resource: its metadata, and the MCP endpoints' step-up challenges. */
  const resource = config.oauth ? new ProtectedResource(config.oauth) : undefined;
  // normalize off: a body with unknown fields is refused (422), not silently trimmed.
  const app = new Elysia({ normalize: false, serve: { maxRequestBodySize: config.maxBodyBytes } })
    // First: every request is timed and logged, including those refused below.
    .use(requestLog(log, metrics))
    .use(errorHandling(log))
    // Before everything else, including the OpenAPI document: who may call is decided first.
    .use(
      authGate(config, log, {
        tickets,
        trusted: cluster ? (headers) => cluster.forwarder.forwardedCaller(headers) : undefined,
      }),
    )
    // Built on the first GET /openapi/json, from every route registered here.
    .use(
      openapiModule((): AnyElysia => app, {
        info: {
          title: "MCP Station",
          description: "Runs MCP servers as managed child processes and routes JSON-RPC to them over HTTP.",
          version: VERSION,
        },
        tags: [
          { name: "sessions", description: "Server processes, one per session" },
          { name: "mcp", description: "MCP requests routed to a session" },
          { name: "health", description: "Liveness and readiness" },
          { name: "servers", description: "The server registry (MCP_STATION_SERVERS_FILE)" },
          { name: "access", description: "The access rules in force, and what they give the caller" },
          { name: "pins", description: "Pinned tools: definitions withheld until an admin approves them" },
          { name: "secrets", description: "Tenants' secrets, write-only" },
        ],
        // Needed once a credential is configured (README: Security); /healthz never needs one.
        components: {
          securitySchemes: {
            bearer: { type: "http", scheme: "bearer", description: "An API key (MCP_STATION_API_KEYS) or a JWT" },
            apiKey: { type: "apiKey", in: "header", name: "X-API-Key", description: "An API key" },
          },
        },
        security: [{ bearer: [] }, { apiKey: [] }],
      }),
    )
    .use(healthModule(manager, VERSION, readiness))
    .use(resource ? oauthMetadataModule(resource) : new Elysia({ name: "oauth-metadata" }))
    .use(metricsModule(metrics))
    // Before every route that looks a session up: a session another node runs is forwarded there.
    .use(cluster ? clusterRouting(cluster, log) : new Elysia({ name: "cluster-routing" }))
    .use(cluster ? clusterModule(cluster) : new Elysia({ name: "cluster" }))
    .use(serversModule(config.registry, config.commandPolicy, config.access, config.groups, () => registry.status()))
    .use(accessModule(config.access, registry))
    .use(pinsModule(pins))
    .use(secretsModule(vault, log))
    .use(sessionsModule(manager, operations.history, { keepAliveMs: config.sseKeepAliveMs, maxQueuedBytes: config.sseMaxQueuedBytes }))
    .use(liveModule(manager, { wsPingMs: config.wsPingMs, log, tickets }))
    .use(uiModule())
    .use(
      mcpEndpointModule(
        manager,
        {
          keepAliveMs: config.sseKeepAliveMs,
          maxQueuedBytes: config.sseMaxQueuedBytes,
          mcpSessionIdleMs: config.mcpSessionIdleMs,
          inputWaitMs: config.inputWaitMs,
          resumeBytes: config.mcpResumeBytes,
          clientInfo: { name: "mcp-station", version: VERSION },
        },
        {
          registry: config.registry,
          groups: config.groups,
          pool: { min: config.poolMin, max: Math.max(config.poolMin, config.poolMax), idleMs: config.poolIdleMs },
          log,
        },
        resource,
      ),
    )
    .use(mcpModule(manager));
  return { app, manager, operations, metrics, registry, cluster, pins, vault };
}

export type Station = ReturnType<typeof createStation>;

/** The registry entries' `station.pinned_tools`: server -> tool -> fingerprint. */
function registryPinsOf(entries: Map<string, ServerEntry>): Map<string, Record<string, string>> {
  return new Map([...entries.values()].flatMap((entry) => (entry.pinnedTools ? [[entry.name, entry.pinnedTools]] : [])));
}
