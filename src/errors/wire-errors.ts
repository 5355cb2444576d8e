/**
 * Errors that are JSON-RPC error objects as they stand, kept apart from the
 * station's failures (station-errors.ts): a server's own error, and the
 * answers of the station's JSON-RPC edge (the MCP endpoints' transport, the
 * WebSocket's protocol checks), which each have a row in codes.ts.
 *
 * @example
 *   toMcpErrorReply(null, new McpSessionIdRequired())   // { status: 400, body: { jsonrpc: "2.0", id: null, error: { code, message } } }
 */
import { PROTOCOL_ERRORS, type ProtocolErrorType } from "./codes.ts";

/**
 * A JSON-RPC error object that travels as it is: one an MCP server returned
 * (not a station failure: `/mcp/request` answers it as `{"success": false,
 * "error": {...}}` with HTTP 200), or the station's answer to a server's own request.
 */
export class RemoteError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** An answer of the station's JSON-RPC edge: a bare JSON-RPC error (`data` only where the specification gives one). */
export class ProtocolError extends Error {
  readonly data: unknown;

  constructor(
    readonly type: ProtocolErrorType,
    message: string,
    options: ErrorOptions & { data?: unknown } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.data = options.data;
  }

  /** The HTTP status, where the answer goes out over HTTP. */
  get status(): number {
    return PROTOCOL_ERRORS[this.type].status;
  }

  get code(): number {
    return PROTOCOL_ERRORS[this.type].code;
  }
}

/** An answer whose text is the one the transport (or the MCP SDK, which clients are written against) uses for it. */
const fixed = (type: ProtocolErrorType, message: string) =>
  class extends ProtocolError {
    constructor(options?: ErrorOptions) {
      super(type, message, options);
    }
  };

/** An answer whose text says what was wrong with this message. */
const described = (type: ProtocolErrorType) =>
  class extends ProtocolError {
    constructor(message: string, options?: ErrorOptions) {
      super(type, message, options);
    }
  };

/** The body is not JSON. */
export class InvalidJson extends described("parse_error") {}
/** JSON, but not a JSON-RPC message the endpoint takes (a batch, a response, too deep). */
export class InvalidRequest extends described("invalid_request") {}
export class InvalidParams extends described("invalid_params") {}
export class MethodNotFound extends described("method_not_found") {}
/** The session behind the channel is not running (starting, stopping, exited): it cannot take the message. */
export class SessionUnavailable extends described("session_unavailable") {}
/** A 2026-07-28 routing header disagrees with the body, or is missing. */
export class HeaderMismatch extends described("header_mismatch") {}

export class UnsupportedMediaType extends fixed(
  "unsupported_media_type",
  "Unsupported Media Type: Content-Type must be application/json",
) {}
export class NotAcceptable extends fixed("not_acceptable", "Not Acceptable: the client must accept text/event-stream") {}
export class McpSessionIdRequired extends fixed("mcp_session_id_required", "Bad Request: Mcp-Session-Id header is required") {}
/** An unknown, ended or another tenant's Mcp-Session-Id: the answer names nothing behind it. */
export class McpSessionNotFound extends fixed("mcp_session_not_found", "Session not found") {}
/** A stream forgotten (finished and resumed, or past MCP_STATION_MCP_RESUME_BYTES). */
export class StreamNotHeld extends fixed("stream_not_held", "Bad Request: the events after that Last-Event-ID are no longer held") {}
export class StreamAlreadyOpen extends fixed("stream_already_open", "Conflict: only one GET stream is allowed per MCP session") {}

/** A legacy client's MCP-Protocol-Version header names a version the station does not speak. */
export class LegacyVersionUnsupported extends ProtocolError {
  constructor(version: string, options?: ErrorOptions) {
    super("legacy_version_unsupported", `Bad Request: Unsupported protocol version: ${version}`, options);
  }
}

/** A 2026-07-28 envelope names a version the station does not speak; `data` lists those it does. */
export class UnsupportedProtocolVersion extends ProtocolError {
  constructor(data: { supported: string[]; requested: string }, options?: ErrorOptions) {
    super("unsupported_protocol_version", "Unsupported protocol version", { ...options, data });
  }
}
