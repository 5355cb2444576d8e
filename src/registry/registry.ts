/**
 * The server registry: the `mcpServers` object users already keep for Claude
 * Desktop and Cursor, loaded once at start. Each entry names a command, its
 * args, env and cwd. An optional `station` object says what a caller may add:
 * `allow_env` (env names a caller may set) and `allow_args` (whether a caller
 * may append arguments), and `restart_policy` / `max_restarts` (the restart
 * policy of its sessions). Entries without a `command` (remote `url` servers)
 * are skipped with a warning: the station runs stdio servers only.
 *
 * @example
 *   { "mcpServers": { "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
 *                                "env": {}, "station": { "allow_env": ["DEBUG"] } } } }
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";
import type { RestartPolicy } from "../sessions/launch-request.ts";

export interface ServerEntry {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  allowEnv: string[];
  allowArgs: boolean;
  /** station.restart_policy and station.max_restarts: this server's restart policy (src/sessions/restart.ts). */
  restartPolicy?: RestartPolicy;
  maxRestarts?: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === "string");
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === "object" && value !== null && !Array.isArray(value) && Object.values(value).every((v) => typeof v === "string");

export function parseRegistry(json: unknown, source: string, warn: (msg: string) => void = () => {}): Map<string, ServerEntry> {
  const fail = (why: string): never => {
    throw new ConfigError(`MCP_STATION_SERVERS_FILE ${source}: ${why}`);
  };
  const servers = (json as { mcpServers?: unknown })?.mcpServers;
  if (typeof servers !== "object" || servers === null || Array.isArray(servers)) fail('expected an object with an "mcpServers" object');
  const entries = new Map<string, ServerEntry>();
  for (const [name, raw] of Object.entries(servers as Record<string, unknown>)) {
    if (!NAME.test(name)) fail(`server name "${name}" must be letters, digits, dot, dash or underscore`);
    const entry = raw as Record<string, unknown>;
    if (typeof entry !== "object" || entry === null) fail(`server "${name}" is not an object`);
    if (entry.command === undefined) {
      warn(`server "${name}" has no command (a remote server?); skipped`);
      continue;
    }
    if (typeof entry.command !== "string" || entry.command.trim() === "") fail(`server "${name}": command must be a non-empty string`);
    if (entry.args !== undefined && !isStringArray(entry.args)) fail(`server "${name}": args must be an array of strings`);
    if (entry.env !== undefined && !isStringRecord(entry.env)) fail(`server "${name}": env must be an object of strings`);
    if (entry.cwd !== undefined && typeof entry.cwd !== "string") fail(`server "${name}": cwd must be a string`);
    const station = (entry.station ?? {}) as Record<string, unknown>;
    if (station.allow_env !== undefined && !isStringArray(station.allow_env))
      fail(`server "${name}": station.allow_env must be an array of names`);
    if (station.allow_args !== undefined && typeof station.allow_args !== "boolean")
      fail(`server "${name}": station.allow_args must be true or false`);
    if (station.restart_policy !== undefined && !["never", "on-failure", "always"].includes(station.restart_policy as string)) {
      fail(`server "${name}": station.restart_policy must be never, on-failure or always`);
    }
    if (station.max_restarts !== undefined && !(Number.isInteger(station.max_restarts) && (station.max_restarts as number) >= 0)) {
      fail(`server "${name}": station.max_restarts must be a whole number`);
    }
    entries.set(name, {
      name,
      command: entry.command as string,
      args: (entry.args as string[] | undefined) ?? [],
      env: (entry.env as Record<string, string> | undefined) ?? {},
      cwd: entry.cwd as string | undefined,
      allowEnv: (station.allow_env as string[] | undefined) ?? [],
      allowArgs: (station.allow_args as boolean | undefined) ?? false,
      restartPolicy: station.restart_policy as ServerEntry["restartPolicy"],
      maxRestarts: station.max_restarts as number | undefined,
    });
  }
  return entries;
}

export function loadRegistry(path: string | undefined, warn?: (msg: string) => void): Map<string, ServerEntry> {
  if (!path) return new Map();
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError(`MCP_STATION_SERVERS_FILE ${path}: ${(error as Error).message}`);
  }
  return parseRegistry(json, path, warn);
}

/** What GET /servers shows: never the env values, which often hold secrets. */
export function describeEntry(entry: ServerEntry) {
  return {
    name: entry.name,
    command: entry.command,
    args: entry.args,
    env_keys: Object.keys(entry.env),
    cwd: entry.cwd ?? null,
    allow_env: entry.allowEnv,
    allow_args: entry.allowArgs,
  };
}
