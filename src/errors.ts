/**
 * The station's error family. Errors are typed where they arise (in any layer)
 * and turned into HTTP in one place, `toErrorBody` below, used by the error
 * plugin. A JSON-RPC error that a *server* returned is not one of these: it is
 * the server's answer and travels to the caller as data (see `RemoteError`).
 *
 * @example
 *   throw new SessionNotFound(id)   // -> 404 {"success":false,"error":{"code":-32001,...}}
 */

export abstract class StationError extends Error {
  /** HTTP status the error maps to. */
  abstract readonly status: number;
  /** JSON-RPC error code used in the body and on WebSocket/MCP channels. */
  abstract readonly rpcCode: number;
  /** Stable machine-readable name, also `error.data.type` in the body. */
  abstract readonly type: string;
  /** Extra fields for `error.data`. */
  readonly details: Record<string, unknown>;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers: Record<string, string> = {};

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.details = details;
  }
}

const define = (type: string, status: number, rpcCode: number) =>
  class extends StationError {
    readonly status = status;
    readonly rpcCode = rpcCode;
    readonly type = type;
  };

/** The request body or a parameter is malformed or not allowed. */
export class BadRequest extends define("bad_request", 400, -32600) {}
/** The body parsed but does not match the schema. */
export class ValidationFailed extends define("validation_failed", 422, -32602) {}
export class Unauthorized extends define("unauthorized", 401, -32010) {}
export class Forbidden extends define("forbidden", 403, -32011) {}
export class NotFound extends define("not_found", 404, -32012) {}
export class PayloadTooLarge extends define("payload_too_large", 413, -32013) {}

export class SessionNotFound extends define("session_not_found", 404, -32001) {
  constructor(sessionId: string) {
    super(`session ${sessionId} not found`, { session_id: sessionId });
  }
}
/** The session exists but its server is not running (starting, stopping or exited). */
export class SessionNotRunning extends define("session_not_running", 409, -32002) {}
/** The request's deadline passed; the server was sent notifications/cancelled. */
export class RequestTimeout extends define("request_timeout", 504, -32003) {}
/** The server process exited while the request was pending or before it was sent. */
export class ServerExited extends define("server_exited", 502, -32004) {}
/** The server's answer was larger than the configured message cap. */
export class MessageTooLarge extends define("message_too_large", 502, -32005) {}
/** The server started but did not complete the MCP handshake. */
export class StartFailed extends define("start_failed", 502, -32006) {}
/** The executable could not be started at all (not found, not executable, bad cwd). */
export class SpawnFailed extends define("spawn_failed", 400, -32007) {}
/** A station-wide capacity limit (sessions, memory) is reached. */
export class CapacityExceeded extends define("capacity_exceeded", 503, -32008) {}
/** A per-caller limit (rate, requests in flight, sessions per tenant) is reached. */
export class TooManyRequests extends define("too_many_requests", 429, -32009) {}
/** The caller withdrew the request (closed its connection, cancelled); the server was sent notifications/cancelled. */
export class RequestCancelled extends define("request_cancelled", 499, -32015) {}
/** The station is shutting down and takes no new work. */
export class ShuttingDown extends define("shutting_down", 503, -32014) {}

/**
 * A JSON-RPC error object returned by an MCP server. Not a station failure:
 * `/mcp/request` answers it as `{"success": false, "error": {...}}` with HTTP 200.
 */
export class RemoteError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export interface ErrorBody {
  success: false;
  error: { code: number; message: string; data?: unknown };
}

/** The one mapping from a thrown value to an HTTP status and body. */
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
    status: 500,
    headers: {},
    body: { success: false, error: { code: -32603, message: "internal error", data: { type: "internal_error" } } },
  };
}
