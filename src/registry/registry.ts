/**
 * The server registry: the `mcpServers` object users already keep for Claude
 * Desktop and Cursor, loaded once at start. Each entry names a command, its
 * args, env and cwd. An optional `station` object says what a caller may add:
 * `allow_env` (env names a caller may set) and `allow_args` (whether a caller
 * may append arguments), and `restart_policy` / `max_restarts` (the restart
 * policy of its sessions). An entry with a `url` instead is a remote server
 * the station connects to (remote-entry.ts); its sessions reconnect after a
 * failure unless its `station.restart_policy` says otherwise.
 *
 * @example
 *   { "mcpServers": { "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/data"],
 *                                "env": {}, "station": { "allow_env": ["DEBUG"] } } } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../config/config-error.ts";
import { firstProblem } from "../config/schema-problem.ts";
import { ToolCuration } from "../sessions/curation.ts";
import { type RemoteEndpoint, RestartPolicy } from "../sessions/launch-request.ts";
import { RemoteFileEntry } from "./remote-entry.ts";
import { SecretOrValue } from "./secret-ref.ts";

/** `station.pinned_tools`: tool name -> the fingerprint of its approved definition (src/pins/fingerprint.ts). */
export const PinnedTools = Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: "^sha256:[0-9a-f]{64}$" }));

/** One entry of the file with a `command` (others are skipped). Unknown fields are left alone: the file is shared with other tools. */
export const RegistryFileEntry = Type.Object({
  command: Type.String({ minLength: 1, pattern: "\\S" }),
  args: Type.Optional(Type.Array(Type.String())),
  env: Type.Optional(Type.Record(Type.String(), SecretOrValue)),
  cwd: Type.Optional(Type.String()),
  station: Type.Optional(
    Type.Object({
      allow_env: Type.Optional(Type.Array(Type.String())),
      allow_args: Type.Optional(Type.Boolean()),
      restart_policy: Type.Optional(RestartPolicy),
      max_restarts: Type.Optional(Type.Integer({ minimum: 0 })),
      tools: Type.Optional(ToolCuration),
      pinned_tools: Type.Optional(PinnedTools),
    }),
  ),
});
export type RegistryFileEntry = Static<typeof RegistryFileEntry>;

/** An entry as the station uses it. */
export interface ServerEntry {
  name: string;
  /** The executable; for a remote server its URL. */
  command: string;
  /** Set for a remote server (an entry with a `url`): the station connects instead of starting a process. */
  remote?: RemoteEndpoint;
  args: string[];
  /** A value is given in clear or by a tenant's secret's name (secret-ref.ts). */
  env: Record<string, SecretOrValue>;
  cwd?: string;
  allowEnv: string[];
  allowArgs: boolean;
  /** station.restart_policy and station.max_restarts: this server's restart policy (src/sessions/restart.ts). */
  restartPolicy?: RestartPolicy;
  maxRestarts?: number;
  /** station.tools: which of its tools callers see, under which names and descriptions (src/sessions/curation.ts). */
  tools?: ToolCuration;
  /** station.pinned_tools: approved tool definitions by fingerprint, which the first definitions seen do not replace. */
  pinnedTools?: Record<string, string>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

export function parseRegistry(json: unknown, source: string, warn: (msg: string) => void = () => {}): Map<string, ServerEntry> {
  const fail = (why: string): never => {
    throw new ConfigError(`MCP_STATION_SERVERS_FILE ${source}: ${why}`);
  };
  const servers = isObject(json) ? json.mcpServers : undefined;
  if (!isObject(servers)) return fail('expected an object with an "mcpServers" object');
  const entries = new Map<string, ServerEntry>();
  for (const [name, raw] of Object.entries(servers)) {
    if (!NAME.test(name)) fail(`server name "${name}" must be letters, digits, dot, dash or underscore`);
    if (!isObject(raw)) return fail(`server "${name}" is not an object`);
    if (raw.command === undefined && raw.url !== undefined) {
      const problem = firstProblem(RemoteFileEntry, raw);
      if (problem) fail(`server "${name}": ${problem}`);
      const url = URL.parse(String(raw.url));
      if (!url) fail(`server "${name}": url is not a URL`);
      // The URL is shown (GET /servers, a session's server_command): a credential belongs in headers, which never are.
      if (url?.username || url?.password) fail(`server "${name}": url carries a user or password; give the credential in headers instead`);
      entries.set(name, remoteEntry(name, raw as RemoteFileEntry));
      continue;
    }
    if (raw.command === undefined) {
      warn(`server "${name}" has neither a command nor a url; skipped`);
      continue;
    }
    const problem = firstProblem(RegistryFileEntry, raw);
    if (problem) fail(`server "${name}": ${problem}`);
    const entry = raw as RegistryFileEntry;
    entries.set(name, {
      name,
      command: entry.command,
      args: entry.args ?? [],
      env: entry.env ?? {},
      cwd: entry.cwd,
      allowEnv: entry.station?.allow_env ?? [],
      allowArgs: entry.station?.allow_args ?? false,
      restartPolicy: entry.station?.restart_policy,
      maxRestarts: entry.station?.max_restarts,
      tools: entry.station?.tools,
      pinnedTools: entry.station?.pinned_tools,
    });
  }
  return entries;
}

function remoteEntry(name: string, entry: RemoteFileEntry): ServerEntry {
  return {
    name,
    command: entry.url,
    remote: {
      url: entry.url,
      headers: entry.headers ?? {},
      ...(entry.type === "sse" ? { transport: "sse" as const } : {}),
      ...(entry.oauth ? { oauth: entry.oauth } : {}),
    },
    args: [],
    env: {},
    allowEnv: [],
    allowArgs: false,
    // A network goes away and comes back: reconnecting is the useful default, unlike for a process that crashed.
    restartPolicy: entry.station?.restart_policy ?? "on-failure",
    maxRestarts: entry.station?.max_restarts,
    tools: entry.station?.tools,
    pinnedTools: entry.station?.pinned_tools,
  };
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
    ...(entry.tools ? { tools: entry.tools } : {}),
    ...(entry.remote ? { url: entry.remote.url, header_keys: Object.keys(entry.remote.headers) } : {}),
  };
}
