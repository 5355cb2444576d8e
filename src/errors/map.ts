/**
 * The one mapper per channel shape, each reading the table in codes.ts: a
 * REST body with its HTTP status, a JSON-RPC error object for the WebSocket
 * (and the legacy MCP endpoint's in-stream answers), a JSON-RPC error
 * response with its HTTP status for the MCP endpoints. Unknown failures are
 * masked the same way on every channel; the caller logs them in full
 * (`causeChain` keeps what `cause` holds).
 *
 * @example
 *   toErrorBody(new SessionNotFound(id))   // { status: 404, body: { success: false, error: { code, message, data } } }
 *   toRpcError(new RequestTimeout("…"))    // { code, message, data: { type: "request_timeout" } }
 */
import type { JsonRpcErrorObject, JsonRpcFailure, JsonRpcId } from "../jsonrpc/messages.ts";
import { STATION_ERRORS, modernTransportStatus } from "./codes.ts";
import { StationError } from "./station-errors.ts";
import { ProtocolError, RemoteError } from "./wire-errors.ts";

const INTERNAL = STATION_ERRORS.internal_error;

export interface ErrorBody {
  success: false;
  error: { code: number; message: string; data?: unknown };
}

/** REST: the one mapping from a thrown value to an HTTP status, body and headers. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
  if (error instanceof StationError) {
    return {
      status: error.status,
      headers: error.headers,
      body: { success: false, error: { code: error.rpcCode, message: error.message, data: { type: error.type, ...error.details } } },
    };
  }
  if (error instanceof RemoteError) {
    const body: ErrorBody = { success: false, error: { code: error.code, message: error.message } };
    if (error.data !== undefined) body.error.data = error.data;
    return { status: 200, headers: {}, body };
  }
  // Unknown failures are masked to the caller; the caller of this function logs them in full.
  return {
    status: INTERNAL.status,
    headers: {},
    body: { success: false, error: { code: INTERNAL.code, message: "internal error", data: { type: "internal_error" } } },
  };
}

/** A thrown value as the JSON-RPC error a live client (WebSocket, MCP endpoint) receives. */
export function toRpcError(error: unknown): JsonRpcErrorObject {
  if (error instanceof RemoteError || error instanceof ProtocolError) {
    const out: JsonRpcErrorObject = { code: error.code, message: error.message };
    if (error.data !== undefined) out.data = error.data;
    return out;
  }
  if (error instanceof StationError) return { code: error.rpcCode, message: error.message, data: { type: error.type, ...error.details } };
  return { code: INTERNAL.code, message: "internal error" };
}

/**
 * The MCP endpoints: a JSON-RPC error response and its HTTP status. The station's own transport answers
 * carry their row's status; an error from the call itself goes out with the status 2026-07-28 gives its code.
 */
export function toMcpErrorReply(id: JsonRpcId | null, error: unknown): { status: number; body: JsonRpcFailure } {
  const rpc = toRpcError(error);
  const status = error instanceof ProtocolError ? error.status : modernTransportStatus(rpc.code);
  return { status, body: { jsonrpc: "2.0", id, error: rpc } };
}

/** The causes behind an error, outermost first, as plain fields for a log line (the logger keeps only the error's own stack). */
export function causeChain(error: unknown): { name: string; message: string; stack?: string }[] {
  const chain: { name: string; message: string; stack?: string }[] = [];
  const seen = new Set<unknown>();
  for (let cause = (error as { cause?: unknown } | null)?.cause; cause !== undefined && !seen.has(cause); ) {
    seen.add(cause);
    chain.push(
      cause instanceof Error
        ? { name: cause.name, message: cause.message, stack: cause.stack }
        : { name: typeof cause, message: String(cause) },
    );
    cause = (cause as { cause?: unknown } | null)?.cause;
  }
  return chain;
}
