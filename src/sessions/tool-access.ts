/**
 * The access rules on a session's traffic, in the one place every channel's
 * requests pass (Session.request): a tool the caller may not use is left out
 * of its tools/list and refused at tools/call, whether the request came by
 * /mcp/request, the WebSocket or either MCP endpoint.
 *
 * @example
 *   withToolAccess(filter, "tools/call", { name: "delete" }, who, options, send)  // rejects with AccessDenied
 */
import { AccessDenied } from "../errors.ts";
import type { NameFilter } from "../security/access-rules.ts";
import type { RequestOptions } from "./server-connection.ts";

/** The methods the rules look at; every other request goes through as it is. */
export const TOOL_METHODS = new Set(["tools/list", "tools/call"]);

export async function withToolAccess(
  filter: NameFilter,
  method: string,
  params: Record<string, unknown> | undefined,
  who: { tenant: string; server: string },
  options: RequestOptions,
  send: (options: RequestOptions) => Promise<unknown>,
): Promise<unknown> {
  if (method === "tools/call") {
    const name = typeof params?.name === "string" ? params.name : "";
    if (!filter.allows(name)) {
      throw new AccessDenied(`tool ${JSON.stringify(name)} of ${who.server} is not allowed for tenant ${who.tenant} by the access rules`, {
        tool: name,
        server: who.server,
      });
    }
    return send(options);
  }
  // The list is filtered here, so it must come back parsed: no raw pass-through of a large one.
  const result = await send({ ...options, raw: false });
  const tools = (result as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) return result;
  return { ...(result as object), tools: tools.filter((tool) => filter.allows(String((tool as { name?: unknown })?.name))) };
}
