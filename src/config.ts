/**
 * Every setting the station has, read from the environment and validated once.
 * The README's configuration table is generated from the same list by eye:
 * keep the two in step.
 *
 * @example
 *   const config = loadConfig(process.env);   // throws ConfigError on a bad value
 */

import { ConfigError } from "./config/config-error.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";
import { loadRegistry } from "./registry/registry.ts";
import { readKeys } from "./security/api-keys.ts";
import { COMMAND_POLICIES } from "./security/command-policy.ts";
import { hasLimits, limitPrefix } from "./security/rlimits.ts";
import { parseWarmPool } from "./sessions/warm-pool.ts";

export { ConfigError };

const KiB = 1024;
const MiB = 1024 * KiB;

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  return raw === undefined || raw.trim() === "" ? fallback : raw.trim();
}

function choice<T extends string>(env: Env, name: string, options: readonly T[], fallback: T): T {
  const raw = text(env, name, fallback).toLowerCase();
  if (!options.includes(raw as T)) throw new ConfigError(`${name} must be one of ${options.join(", ")}, got "${raw}"`);
  return raw as T;
}

/** Python's level names, which the seed's FastAPI-era settings may carry. */
const PYTHON_LEVELS: Record<string, LogLevel> = { warning: "warn", critical: "error", fatal: "error" };

export function loadConfig(env: Env = process.env) {
  const requestTimeoutMs = integer(env, "MCP_STATION_REQUEST_TIMEOUT_MS", 60_000, 1);
  const config = {
    port: integer(env, "MCP_STATION_PORT", 20100, 0, 65535),
    host: text(env, "MCP_STATION_HOST", "0.0.0.0"),
    // The seed spells levels in capitals (LOG_LEVEL=INFO); accept either, and "warning" as Python does.
    logLevel: choice(
      { ...env, LOG_LEVEL: PYTHON_LEVELS[(env.LOG_LEVEL ?? "").trim().toLowerCase()] ?? env.LOG_LEVEL },
      "LOG_LEVEL",
      LOG_LEVELS,
      "info",
    ),
    /** Interpreters for server_type python and node. */
    pythonCommand: text(env, "MCP_STATION_PYTHON", "python3"),
    nodeCommand: text(env, "MCP_STATION_NODE", "node"),
    /** Default deadline of one MCP request; a caller may ask for another with timeout_ms. */
    requestTimeoutMs,
    /** No request waits longer than this, however it is extended by timeout_ms or progress. */
    maxRequestTimeoutMs: Math.max(requestTimeoutMs, integer(env, "MCP_STATION_MAX_REQUEST_TIMEOUT_MS", 600_000, 1)),
    /** Time for a new server to complete its handshake. */
    startTimeoutMs: integer(env, "MCP_STATION_START_TIMEOUT_MS", 30_000, 1),
    /** Time to wait for an answer to the server/discover probe before also trying initialize. */
    probeTimeoutMs: integer(env, "MCP_STATION_PROBE_TIMEOUT_MS", 2_000, 1),
    /** Largest message accepted from a server (one line on its stdout). */
    maxMessageBytes: integer(env, "MCP_STATION_MAX_MESSAGE_BYTES", 64 * MiB, 1 * KiB),
    /** Largest HTTP request body. */
    maxBodyBytes: integer(env, "MCP_STATION_MAX_BODY_BYTES", 16 * MiB, 1 * KiB),
    /** stderr kept per session. */
    stderrBytes: integer(env, "MCP_STATION_STDERR_BYTES", 256 * KiB, 1 * KiB),
    /** Server notifications kept per session. */
    eventBufferSize: integer(env, "MCP_STATION_EVENT_BUFFER", 1000, 1),
    maxSessions: integer(env, "MCP_STATION_MAX_SESSIONS", 100, 1),
    /** An exited session stays listed this long, then is forgotten. */
    exitedTtlMs: integer(env, "MCP_STATION_EXITED_TTL_MS", 300_000, 0),
    /** A running session with no request for this long is stopped; 0 turns it off. */
    idleTimeoutMs: integer(env, "MCP_STATION_IDLE_TIMEOUT_MS", 0, 0),
    /** Shutdown of one server: after closing stdin, then after SIGTERM. */
    stopGraceMs: integer(env, "MCP_STATION_STOP_GRACE_MS", 2_000, 0),
    stopTermMs: integer(env, "MCP_STATION_STOP_TERM_MS", 3_000, 0),
    /** The whole station's shutdown on SIGTERM/SIGINT. */
    shutdownTimeoutMs: integer(env, "MCP_STATION_SHUTDOWN_TIMEOUT_MS", 10_000, 100),
    /** Live channels: WebSocket ping interval (0: none), SSE keep-alive comments, and how far an SSE reader may lag before it is cut off. */
    wsPingMs: integer(env, "MCP_STATION_WS_PING_MS", 25_000, 0),
    sseKeepAliveMs: integer(env, "MCP_STATION_SSE_KEEPALIVE_MS", 15_000, 0),
    sseMaxQueuedBytes: integer(env, "MCP_STATION_SSE_MAX_QUEUED_BYTES", 4 * MiB, 64 * KiB),
    /** How long the MCP endpoint keeps a legacy client's MCP session with no request; and a bridged request waiting for a modern client's retry. */
    mcpSessionIdleMs: integer(env, "MCP_STATION_MCP_SESSION_IDLE_MS", 30 * 60_000, 1_000),
    inputWaitMs: integer(env, "MCP_STATION_INPUT_WAIT_MS", 120_000, 100),
    /** What one legacy client's MCP session keeps of its SSE streams for a resume with Last-Event-ID; 0: nothing. */
    mcpResumeBytes: integer(env, "MCP_STATION_MCP_RESUME_BYTES", 4 * MiB, 0),
    /** /servers/{name}/mcp: processes per registered server (and tenant) serving modern stateless requests, and when an idle one stops. */
    poolMin: integer(env, "MCP_STATION_POOL_MIN", 0, 0, 64),
    poolMax: integer(env, "MCP_STATION_POOL_MAX", 4, 1, 64),
    poolIdleMs: integer(env, "MCP_STATION_POOL_IDLE_MS", 300_000, 1_000),
    /** Servers started ahead and handed out on a matching create (src/sessions/warm-pool.ts); none by default. */
    warmPool: parseWarmPool(env.MCP_STATION_WARM_POOL),
    ...securitySettings(env),
    ...operationsSettings(env),
  };
  return config;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
}

function optionalText(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw ? raw : undefined;
}

/**
 * Who may call and what may run (README: Security). With no key and no JWT
 * setting, protected mode serves loopback clients only, as Redis does.
 */
function securitySettings(env: Env) {
  const apiKeys = [
    ...readKeys(env.MCP_STATION_API_KEYS, optionalText(env, "MCP_STATION_API_KEYS_FILE"), false, [
      "MCP_STATION_API_KEYS",
      "MCP_STATION_API_KEYS_FILE",
    ]),
    ...readKeys(env.MCP_STATION_ADMIN_KEYS, undefined, true, ["MCP_STATION_ADMIN_KEYS", "MCP_STATION_ADMIN_KEYS"]),
  ];
  const jwtSecret = optionalText(env, "MCP_STATION_JWT_SECRET");
  // HS256 with a short secret can be brute-forced offline from one token (RFC 7518 §3.2 asks for 256 bits).
  if (jwtSecret !== undefined && jwtSecret.length < 32) throw new ConfigError("MCP_STATION_JWT_SECRET must be at least 32 characters");
  const jwksUrl = optionalText(env, "MCP_STATION_JWT_JWKS_URL");
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl)) throw new ConfigError(`MCP_STATION_JWT_JWKS_URL is not a URL: "${jwksUrl}"`);
  const serversFile = optionalText(env, "MCP_STATION_SERVERS_FILE");
  const registryWarnings: string[] = [];
  const registry = loadRegistry(serversFile, (msg) => registryWarnings.push(msg));
  // A registry file means the operator chose what runs: default to running only that, unless told otherwise.
  const commandPolicy = choice(env, "MCP_STATION_COMMAND_POLICY", COMMAND_POLICIES, serversFile ? "registry" : "any");
  const allowedCommands = list(env, "MCP_STATION_ALLOWED_COMMANDS");
  if (commandPolicy === "allowlist" && allowedCommands.length === 0 && registry.size === 0) {
    throw new ConfigError("MCP_STATION_COMMAND_POLICY=allowlist needs MCP_STATION_ALLOWED_COMMANDS or MCP_STATION_SERVERS_FILE");
  }
  const limits = {
    addressSpaceBytes: integer(env, "MCP_STATION_LIMIT_ADDRESS_SPACE_BYTES", 0, 0),
    cpuSeconds: integer(env, "MCP_STATION_LIMIT_CPU_SECONDS", 0, 0),
    openFiles: integer(env, "MCP_STATION_LIMIT_OPEN_FILES", 0, 0),
    processes: integer(env, "MCP_STATION_LIMIT_PROCESSES", 0, 0),
  };
  const prlimitPath = hasLimits(limits) ? Bun.which("prlimit") : null;
  if (hasLimits(limits) && !prlimitPath) throw new ConfigError("MCP_STATION_LIMIT_* needs prlimit (util-linux) on PATH");
  const rateLimitPerMinute = integer(env, "MCP_STATION_RATE_LIMIT_PER_MINUTE", 0, 0);
  return {
    /** on: with no credential configured, only loopback clients are served. */
    protectedMode: choice(env, "MCP_STATION_PROTECTED_MODE", ["on", "off"] as const, "on") === "on",
    apiKeys,
    jwt: {
      secret: jwtSecret,
      jwksUrl,
      issuer: optionalText(env, "MCP_STATION_JWT_ISSUER"),
      audience: optionalText(env, "MCP_STATION_JWT_AUDIENCE"),
      tenantClaim: text(env, "MCP_STATION_JWT_TENANT_CLAIM", "sub"),
      adminScope: text(env, "MCP_STATION_JWT_ADMIN_SCOPE", "mcp-station:admin"),
      clockToleranceS: integer(env, "MCP_STATION_JWT_CLOCK_TOLERANCE_S", 30, 0, 3600),
    },
    /** Browser Origins allowed to call ("*" allows any); a request with another Origin is refused. */
    allowedOrigins: list(env, "MCP_STATION_ALLOWED_ORIGINS"),
    /** Host names accepted besides localhost when the station binds to loopback (DNS rebinding). */
    allowedHosts: list(env, "MCP_STATION_ALLOWED_HOSTS").map((host) => host.toLowerCase()),
    serversFile,
    registry,
    registryWarnings,
    commandPolicy,
    allowedCommands,
    allowedRoots: list(env, "MCP_STATION_ALLOWED_ROOTS"),
    /** Sessions one tenant may hold at once; 0: only the station-wide cap. */
    maxSessionsPerTenant: integer(env, "MCP_STATION_MAX_SESSIONS_PER_TENANT", 0, 0),
    /** Requests waiting on one session's server; past it, 429. 0 turns it off. */
    maxInFlightPerSession: integer(env, "MCP_STATION_MAX_IN_FLIGHT_PER_SESSION", 256, 0),
    /** Requests per minute per tenant (a token bucket); 0 turns it off. */
    rateLimitPerMinute,
    rateLimitBurst: integer(env, "MCP_STATION_RATE_LIMIT_BURST", Math.max(1, Math.ceil(rateLimitPerMinute / 6)), 1),
    limits,
    /** argv prefix that applies the limits, or [] when none is set. */
    limitPrefix: prlimitPath ? limitPrefix(limits, prlimitPath) : [],
  };
}

/** Persistence, restore, health checks and the restart policy (README: Operations). */
function operationsSettings(env: Env) {
  const databaseUrl = optionalText(env, "MCP_STATION_DATABASE_URL");
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    throw new ConfigError("MCP_STATION_DATABASE_URL must be a postgres:// or postgresql:// URL");
  }
  const tablePrefix = text(env, "MCP_STATION_TABLE_PREFIX", "mcp_station_");
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(tablePrefix))
    throw new ConfigError("MCP_STATION_TABLE_PREFIX must be letters, digits and underscores");
  const restartBackoffMs = integer(env, "MCP_STATION_RESTART_BACKOFF_MS", 1_000, 1);
  return {
    /** on: sessions are recorded in a store and restored after a restart. */
    persistence: choice(env, "MCP_STATION_PERSISTENCE", ["on", "off"] as const, "on") === "on",
    /** SQLite lives here (mcp-station.sqlite) unless MCP_STATION_DATABASE_URL names PostgreSQL. */
    dataDir: text(env, "MCP_STATION_DATA_DIR", "data"),
    databaseUrl,
    tablePrefix,
    /** Stations sharing one database keep apart by this name: each restores (and reaps) only its own sessions. */
    instance: text(env, "MCP_STATION_INSTANCE", "default"),
    /** off: stored sessions are forgotten at start instead of restored. */
    restore: choice(env, "MCP_STATION_RESTORE", ["on", "off"] as const, "on") === "on",
    /** keep: env_vars values are stored (the store file is mode 0600); drop: names only, and such sessions are not restorable. */
    storeSecrets: choice(env, "MCP_STATION_STORE_SECRETS", ["keep", "drop"] as const, "keep"),
    /** Per-session health checks; 0 turns them off. */
    healthIntervalMs: integer(env, "MCP_STATION_HEALTH_INTERVAL_MS", 30_000, 0),
    healthTimeoutMs: integer(env, "MCP_STATION_HEALTH_TIMEOUT_MS", 5_000, 1),
    /** Unanswered checks in a row after which a session under on-failure/always is restarted; 0: never. */
    healthRestartAfter: integer(env, "MCP_STATION_HEALTH_RESTART_AFTER", 3, 0),
    restartPolicy: choice(env, "MCP_STATION_RESTART_POLICY", ["never", "on-failure", "always"] as const, "never"),
    maxRestarts: integer(env, "MCP_STATION_MAX_RESTARTS", 5, 0, 1000),
    restartBackoffMs,
    restartBackoffMaxMs: Math.max(restartBackoffMs, integer(env, "MCP_STATION_RESTART_BACKOFF_MAX_MS", 60_000, 1)),
  };
}

export type Config = ReturnType<typeof loadConfig>;
