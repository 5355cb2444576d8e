/**
 * The station's public API, as the console calls it. Every URL is relative to
 * the page (/ui/ → the station's root is ../), so the console works behind a
 * reverse proxy at a sub-path.
 */
import { authHeaders } from "./credential.ts";

export const stationUrl = (path: string) => new URL(`../${path.replace(/^\//, "")}`, location.href);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

export async function api<T>(
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
  extra: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...authHeaders(), ...extra };
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(stationUrl(path), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
    credentials: "omit",
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  if (!response.ok) {
    // The station's error body: {"success": false, "error": {"code", "message", "data": {"type", …}}}.
    const error = (parsed as { error?: { message?: string; data?: { type?: string } } } | null)?.error;
    throw new ApiError(
      response.status,
      error?.data?.type ?? String(response.status),
      error?.message ?? (text || response.statusText),
      parsed,
    );
  }
  return parsed as T;
}

/** GET of a text resource (/metrics). */
export async function apiText(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(stationUrl(path), { headers: authHeaders(), credentials: "omit" });
  return { status: response.status, text: await response.text() };
}

export const describeError = (error: unknown) =>
  error instanceof ApiError ? `${error.status} ${error.type}: ${error.message}` : error instanceof Error ? error.message : String(error);

export interface SessionInfo {
  session_id: string;
  status: string;
  server_type: string;
  server_command: string;
  server_args: string[];
  server?: string | null;
  era?: string;
  owner?: string;
  created_at: string;
  started_at?: string | null;
  pid?: number | null;
  exit_code?: number | null;
  exit_signal?: string | null;
  crashed?: boolean;
  restarts?: number;
  in_flight?: number;
  requests_total?: number;
  health?: { ok?: boolean; at?: string; latency_ms?: number } | null;
  server_info?: { name?: string; version?: string } | null;
  protocol_version?: string | null;
  failure_reason?: string | null;
  [key: string]: unknown;
}

/** A registry entry's (or group's) tool curation: which tools are shown, hidden, renamed or described anew. */
export interface ToolCuration {
  allow?: string[];
  deny?: string[];
  rename?: Record<string, string>;
  describe?: Record<string, string>;
}

export interface ServerEntry {
  name: string;
  command: string;
  args: string[];
  env_keys: string[];
  cwd: string | null;
  allow_env: string[];
  allow_args: boolean;
  tools?: ToolCuration;
}

export interface GroupEntry {
  name: string;
  members: string[];
  prefix: string;
  separator: string;
  description: string | null;
  tools?: ToolCuration;
}

/** GET /servers. */
export interface ServerList {
  servers: ServerEntry[];
  groups?: GroupEntry[];
  count: number;
  policy: string;
  registry?: {
    file: string | null;
    version: number;
    loaded_at: string;
    sha256: string | null;
    last_error: { at: string; message: string } | null;
    reloads: { ok: number; failed: number };
  };
}

/** The part of a tool definition that is pinned (src/pins/fingerprint.ts). */
export interface PinnedDefinition {
  name: string;
  description: string | null;
  inputSchema: unknown;
}

/** GET /pins (admins): each server's approved fingerprints; `approved_at` is "registry" for a registry-file pin. */
export interface PinList {
  servers: { server: string; tools: { tool: string; fingerprint: string; approved_at: string }[] }[];
  count: number;
  mode: string;
}

/** One entry of GET /pins/changes (admins): a withheld definition beside the approved one. */
export interface PinChange {
  server: string;
  tool: string;
  approved: { fingerprint: string; definition: PinnedDefinition | null; approved_at: string } | null;
  seen: { fingerprint: string; definition: PinnedDefinition; seen_at: string };
  differs: string[];
}

/** What one access rule gives of a kind (tools, prompts, resources): globs on names or URIs (docs/security.md, Access rules). */
export interface AccessGrant {
  allow?: string[];
  deny?: string[];
}

/** One rule of the registry file's `access` section, as written. */
export interface AccessRule {
  tenants?: string[];
  scopes?: string[];
  claims?: Record<string, string | string[]>;
  admin?: boolean;
  servers: string[];
  tools?: AccessGrant;
  prompts?: AccessGrant;
  resources?: AccessGrant;
}

/** GET /access (admins): the rules in force and the registry file they came from. */
export interface AccessView {
  enabled: boolean;
  rules: AccessRule[];
  registry: NonNullable<ServerList["registry"]>;
}

/** What the rules give the caller of one server: allowed when an `allow` glob matches and no `deny` glob does. */
export interface ServerGrants {
  name: string;
  tools: Required<AccessGrant>;
  prompts: Required<AccessGrant>;
  resources: Required<AccessGrant>;
}

/** GET /access/me: the servers and groups the caller may start, and what it may use of each. */
export interface CallerAccess {
  enabled: boolean;
  caller: { tenant: string; admin: boolean; scopes: string[] };
  servers: ServerGrants[];
  /** A group's own globs apply to its names of its members' tools and prompts; each member's to its own. */
  groups: (ServerGrants & { members: ServerGrants[] })[];
}
