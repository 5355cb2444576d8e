/**
 * The headers a 2026-07-28 client puts on each POST from the message itself
 * (Streamable HTTP, "Standard Headers"): MCP-Protocol-Version from the
 * request's `_meta` envelope, Mcp-Method, and Mcp-Name for the methods that
 * name a target, so that proxies route without reading the body. A value that
 * is not plain visible ASCII goes base64 in the `=?base64?…?=` form, as for
 * the Mcp-Param headers. Legacy messages carry no envelope and get none.
 *
 * @example
 *   modernHeaders("tools/call", { name: "echo", _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } })
 *   // { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "echo" }
 */
import { encodeParamValue } from "../protocol/param-headers.ts";
import { META } from "../protocol/versions.ts";

/** Where each method keeps the name of what it acts on. */
const NAME_SOURCE: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
  "tasks/get": "taskId",
  "tasks/update": "taskId",
  "tasks/cancel": "taskId",
};

export function modernHeaders(method: string | undefined, params: Record<string, unknown> | undefined): Record<string, string> {
  const meta = params?._meta as Record<string, unknown> | undefined;
  const version = meta?.[META.protocolVersion];
  if (method === undefined || typeof version !== "string") return {};
  const headers: Record<string, string> = { "mcp-protocol-version": version, "mcp-method": method };
  const field = NAME_SOURCE[method];
  const name = field === undefined ? undefined : params?.[field];
  if (typeof name === "string") headers["mcp-name"] = encodeParamValue(name);
  return headers;
}
