/** HTTP answers of the MCP endpoint: JSON-RPC bodies with the status the transport spec gives each case. */
import type { JsonRpcId } from "../../jsonrpc/messages.ts";

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

export function rpcError(
  id: JsonRpcId | null,
  code: number,
  message: string,
  status: number,
  data?: unknown,
  headers: Record<string, string> = {},
): Response {
  const error: Record<string, unknown> = { code, message };
  if (data !== undefined) error.data = data;
  return json({ jsonrpc: "2.0", id, error }, status, headers);
}

export const accepted = (headers: Record<string, string> = {}) => new Response(null, { status: 202, headers });
