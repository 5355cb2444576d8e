/**
 * Pure translations between the two protocol eras, for the live channels
 * (WebSocket, the MCP endpoint). No I/O: each function maps one shape to
 * another. (Errors become JSON-RPC error objects in src/errors/map.ts.)
 *
 * @example
 *   toModernResult("tools/list", { tools: [] }, identity)
 *   // { tools: [], resultType: "complete", ttlMs: 0, cacheScope: "private", _meta: { …serverInfo } }
 */
import type { ServerIdentity } from "./handshake.ts";
import { decodeParamValue } from "./param-headers.ts";
import { LEGACY_VERSIONS, META, MODERN_VERSION, isLegacyVersion } from "./versions.ts";

/** The version a legacy client gets: its own when the station knows it, else the newest legacy one (the spec's negotiation). */
export function negotiateLegacyVersion(requested: unknown): string {
  return isLegacyVersion(requested) ? requested : LEGACY_VERSIONS[0];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Server capabilities as a legacy client reads them (2026's `extensions` has no legacy spelling). */
export function legacyServerCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const { extensions: _extensions, ...rest } = capabilities;
  return rest;
}

/** Server capabilities as a modern client reads them: legacy-only `tasks` is an extension in 2026. */
export function modernServerCapabilities(capabilities: Record<string, unknown>): Record<string, unknown> {
  const { tasks: _tasks, ...rest } = capabilities;
  return rest;
}

/** The initialize result a legacy client gets, built from the station's cached handshake. */
export function initializeResultFor(identity: ServerIdentity, requestedVersion: unknown): Record<string, unknown> {
  const result: Record<string, unknown> = {
    protocolVersion: negotiateLegacyVersion(requestedVersion),
    capabilities: legacyServerCapabilities(identity.capabilities),
    serverInfo: identity.serverInfo ?? { name: "mcp-station-session", version: "0" },
  };
  if (identity.instructions) result.instructions = identity.instructions;
  return result;
}

/** The server/discover result a modern client gets, whatever era the server behind speaks. */
export function discoverResultFor(identity: ServerIdentity): Record<string, unknown> {
  if (identity.era === "modern") return identity.handshakeResult;
  const result: Record<string, unknown> = {
    resultType: "complete",
    supportedVersions: [MODERN_VERSION],
    capabilities: modernServerCapabilities(identity.capabilities),
    ttlMs: 0,
    cacheScope: "private",
  };
  if (identity.instructions) result.instructions = identity.instructions;
  if (identity.serverInfo) result._meta = { [META.serverInfo]: identity.serverInfo };
  return result;
}

/** Results that 2026-07-28 requires to carry cache hints. */
const CACHEABLE = new Set(["tools/list", "prompts/list", "resources/list", "resources/templates/list", "resources/read"]);

/** A legacy server's result in the shape a modern client requires: resultType, cache hints, serverInfo. */
export function toModernResult(method: string, result: unknown, identity: ServerIdentity): Record<string, unknown> {
  const out: Record<string, unknown> = { ...record(result) };
  out.resultType ??= "complete";
  if (CACHEABLE.has(method)) {
    out.ttlMs ??= 0;
    out.cacheScope ??= "private";
  }
  if (identity.serverInfo) out._meta = { ...record(out._meta), [META.serverInfo]: identity.serverInfo };
  return out;
}

/** Legacy servers never saw the modern envelope keys; a modern client's `_meta` is trimmed to what they know. */
export function withoutModernMeta(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!params || typeof params._meta !== "object" || params._meta === null) return params;
  const meta: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params._meta as Record<string, unknown>)) {
    if (!key.startsWith("io.modelcontextprotocol/")) meta[key] = value;
  }
  const { _meta: _old, ...rest } = params;
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}

/** A legacy client's capabilities as a 2026 `clientCapabilities` (roots.listChanged and tasks are gone). */
export function modernClientCapabilities(capabilities: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (capabilities?.sampling) out.sampling = capabilities.sampling;
  if (capabilities?.elicitation) out.elicitation = capabilities.elicitation;
  if (capabilities?.roots) out.roots = {};
  return out;
}

/**
 * The 2026-07-28 Streamable HTTP header checks: MCP-Protocol-Version equals the
 * envelope's version, Mcp-Method equals the method, Mcp-Name equals params.name
 * or params.uri where required (the `=?base64?…?=` form decoded, strictly). Returns the problem, or undefined.
 */
export function headerMismatch(
  headers: Headers,
  method: string,
  params: Record<string, unknown>,
  envelopeVersion: string,
): string | undefined {
  const version = headers.get("mcp-protocol-version");
  if (version === null) return "the MCP-Protocol-Version header is missing";
  if (version !== envelopeVersion)
    return `Header mismatch: MCP-Protocol-Version '${version}' does not match the body's '${envelopeVersion}'`;
  const methodHeader = headers.get("mcp-method");
  if (methodHeader === null) return "the Mcp-Method header is missing";
  if (methodHeader !== method) return `Header mismatch: Mcp-Method header value '${methodHeader}' does not match body value '${method}'`;
  const nameSource =
    method === "resources/read" ? params.uri : method === "tools/call" || method === "prompts/get" ? params.name : undefined;
  if (nameSource !== undefined) {
    const nameHeader = headers.get("mcp-name");
    if (nameHeader === null) return "the Mcp-Name header is missing";
    const decoded = decodeParamValue(nameHeader);
    if (decoded === undefined) return "Header mismatch: the Mcp-Name header value is not valid (plain visible ASCII, or =?base64?…?=)";
    if (decoded !== String(nameSource))
      return `Header mismatch: Mcp-Name header value '${decoded}' does not match body value '${String(nameSource)}'`;
  }
  return undefined;
}
