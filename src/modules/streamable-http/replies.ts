/** HTTP answers of the MCP endpoint: JSON-RPC bodies, and errors with the status the one table (src/errors) gives them. */
import { toMcpErrorReply } from "../../errors.ts";
import type { JsonRpcId } from "../../jsonrpc/messages.ts";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

/** A JSON-RPC error response for `id` (null before the message's id is known). */
export function errorReply(id: JsonRpcId | null, error: unknown): Response {
  const { status, body } = toMcpErrorReply(id, error);
  return json(body, status);
}

export const accepted = (headers: Record<string, string> = {}) => new Response(null, { status: 202, headers });
