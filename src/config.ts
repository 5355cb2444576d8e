/**
 * Every setting the station has, read from the environment and validated once.
 * The README's configuration table is generated from the same list by eye:
 * keep the two in step.
 *
 * @example
 *   const config = loadConfig(process.env);   // throws ConfigError on a bad value
 */

export class ConfigError extends Error {}

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

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** Python's level names, which the seed's FastAPI-era settings may carry. */
const PYTHON_LEVELS: Record<string, LogLevel> = { warning: "warn", critical: "error", fatal: "error" };

export function loadConfig(env: Env = process.env) {
  const requestTimeoutMs = integer(env, "MCP_STATION_REQUEST_TIMEOUT_MS", 60_000, 1);
  const config = {
    port: integer(env, "MCP_STATION_PORT", 20100, 0, 65535),
    host: text(env, "MCP_STATION_HOST", "0.0.0.0"),
    // The seed spells levels in capitals (LOG_LEVEL=INFO); accept either, and "warning" as Python does.
    logLevel: choice({ ...env, LOG_LEVEL: PYTHON_LEVELS[(env.LOG_LEVEL ?? "").trim().toLowerCase()] ?? env.LOG_LEVEL }, "LOG_LEVEL", LOG_LEVELS, "info"),
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
  };
  return config;
}

export type Config = ReturnType<typeof loadConfig>;
