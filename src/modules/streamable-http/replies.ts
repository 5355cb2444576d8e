/** HTTP answers of the MCP endpoint: JSON-RPC bodies, and errors with the status the one table (src/errors) gives them. */
import { StationError, toMcpErrorReply } from "../../errors.ts";
import type { JsonRpcId } from "../../jsonrpc/messages.ts";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A JSON-RPC error response for `id` (null before the message's id is known). */
export function errorReply(id: JsonRpcId | null, error: unknown, headers: Record<string, string> = {}): Response {
  const { status, body } = toMcpErrorReply(id, error);
  return json(body, status, headers);
}

/**
 * A message the station could not hand to a server at all, as /mcp/request answers it: the station
 * error's own status and headers (503 session_restarting with Retry-After, 409 session_not_running),
 * where a failure of the call itself is a JSON-RPC error in a 200.
 */
export function gateReply(id: JsonRpcId | null, error: unknown, headers: Record<string, string> = {}): Response {
  if (!(error instanceof StationError)) return errorReply(id, error, headers);
  return json(toMcpErrorReply(id, error).body, error.status, { ...headers, ...error.headers });
}

export const accepted = (headers: Record<string, string> = {}) => new Response(null, { status: 202, headers });
