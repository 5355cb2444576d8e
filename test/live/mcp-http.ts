/** Raw HTTP for the MCP endpoints' tests: a POST, a legacy client's initialize, the 2026-07-28 envelope and headers. */
import { MODERN_VERSION } from "../../src/protocol/versions.ts";

export const BOTH = "application/json, text/event-stream";

export function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: BOTH, ...headers },
    body: JSON.stringify(body),
  });
}

/** A legacy client's initialize; returns the answer (its Mcp-Session-Id in the headers). */
export function initializeLegacy(url: string, capabilities: Record<string, unknown> = {}): Promise<Response> {
  const params = { protocolVersion: "2025-06-18", capabilities, clientInfo: { name: "raw", version: "1" } };
  return post(url, { jsonrpc: "2.0", id: 0, method: "initialize", params }, { accept: "application/json" });
}

export const modernMeta = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": capabilities,
});

export const modernHeaders = (method: string, name?: string, extra: Record<string, string> = {}) => ({
  "mcp-protocol-version": MODERN_VERSION,
  "mcp-method": method,
  ...(name ? { "mcp-name": name } : {}),
  ...extra,
});

/** A 2026-07-28 tools/call, with its routing headers. */
export function modernCall(url: string, id: number, name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  return post(
    url,
    { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args, _meta: modernMeta() } },
    modernHeaders("tools/call", name, { accept: "application/json", ...headers }),
  );
}
