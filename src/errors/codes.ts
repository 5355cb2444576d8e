/**
 * The one table of failures: every JSON-RPC error code the station sends,
 * and for each kind of failure its HTTP status and its code. The error
 * classes (station-errors.ts, wire-errors.ts) and the mappers of every
 * channel (map.ts) read it; no other file in src/ writes a code.
 *
 * A leaf: it imports nothing, so src/jsonrpc, the lowest layer, reads it
 * without a cycle.
 *
 * @example
 *   STATION_ERRORS.session_not_running   // { status: 409, code: RpcCode.SessionNotRunning }
 */

/** The codes of the JSON-RPC 2.0 specification. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

/** Every code the station sends, by name. */
export const RpcCode = {
  ...JsonRpcCode,
  /**
   * The Streamable HTTP transport's own failures (a bad header, a media type, a stream): the MCP SDK's
   * server answers them with -32000, and clients written against it expect the same from the station.
   */
  TransportError: -32000,
  // The station's own, -32001..-32019 and -32023..-32028. SessionNotFound is also what the SDK's transport answers an
  // unknown Mcp-Session-Id with, so the MCP endpoint's "Session not found" uses it too.
  SessionNotFound: -32001,
  SessionNotRunning: -32002,
  RequestTimeout: -32003,
  ServerExited: -32004,
  MessageTooLarge: -32005,
  StartFailed: -32006,
  SpawnFailed: -32007,
  CapacityExceeded: -32008,
  TooManyRequests: -32009,
  Unauthorized: -32010,
  Forbidden: -32011,
  NotFound: -32012,
  PayloadTooLarge: -32013,
  ShuttingDown: -32014,
  RequestCancelled: -32015,
  SessionRestarting: -32016,
  AccessDenied: -32017,
  MemberUnavailable: -32018,
  // Cluster mode (src/cluster): the session is moving between nodes (or this node is fenced), its owner
  // could not be reached mid-request, or a node asked for a session it no longer owns.
  SessionMoving: -32019,
  // -32020..-32022 are MCP 2026-07-28's own (below).
  OwnerUnreachable: -32023,
  NotOwner: -32024,
  RemoteRefused: -32025,
  // MCP 2026-07-28 (HeaderMismatchError, MissingRequiredClientCapabilityError, UnsupportedProtocolVersionError).
  HeaderMismatch: -32020,
  MissingRequiredClientCapability: -32021,
  UnsupportedProtocolVersion: -32022,
  SecretMissing: -32026,
  ToolWithheld: -32027,
  TokenCheckUnavailable: -32028,
} as const;

interface Row {
  /** The HTTP status, where the failure is answered over HTTP. */
  status: number;
  code: number;
}

const row = (status: number, code: number): Row => ({ status, code });

/** The station's own failures, by type name: REST bodies name it in `error.data.type`. */
export const STATION_ERRORS = {
  bad_request: row(400, RpcCode.InvalidRequest),
  validation_failed: row(422, RpcCode.InvalidParams),
  unauthorized: row(401, RpcCode.Unauthorized),
  forbidden: row(403, RpcCode.Forbidden),
  not_found: row(404, RpcCode.NotFound),
  payload_too_large: row(413, RpcCode.PayloadTooLarge),
  session_not_found: row(404, RpcCode.SessionNotFound),
  session_not_running: row(409, RpcCode.SessionNotRunning),
  request_timeout: row(504, RpcCode.RequestTimeout),
  server_exited: row(502, RpcCode.ServerExited),
  message_too_large: row(502, RpcCode.MessageTooLarge),
  start_failed: row(502, RpcCode.StartFailed),
  spawn_failed: row(400, RpcCode.SpawnFailed),
  capacity_exceeded: row(503, RpcCode.CapacityExceeded),
  too_many_requests: row(429, RpcCode.TooManyRequests),
  request_cancelled: row(499, RpcCode.RequestCancelled),
  shutting_down: row(503, RpcCode.ShuttingDown),
  session_restarting: row(503, RpcCode.SessionRestarting),
  /** The access rules (src/security/access-rules.ts) do not allow this caller the server, tool, prompt or resource. */
  access_denied: row(403, RpcCode.AccessDenied),
  member_unavailable: row(503, RpcCode.MemberUnavailable),
  session_moving: row(503, RpcCode.SessionMoving),
  node_fenced: row(503, RpcCode.SessionMoving),
  owner_unreachable: row(502, RpcCode.OwnerUnreachable),
  not_owner: row(421, RpcCode.NotOwner),
  remote_refused: row(502, RpcCode.RemoteRefused),
  secret_missing: row(422, RpcCode.SecretMissing),
  tool_withheld: row(403, RpcCode.ToolWithheld),
  /** The authorization server's introspection endpoint did not answer in time: the token is neither good nor bad yet. */
  token_check_unavailable: row(503, RpcCode.TokenCheckUnavailable),
  /** Anything unknown: masked to the caller, logged in full. */
  internal_error: row(500, RpcCode.InternalError),
} as const satisfies Record<string, Row>;

/**
 * The answers of the station's own JSON-RPC edge (the MCP endpoints' transport, the WebSocket's protocol
 * checks), by type name, with the status the Streamable HTTP transport specification gives each case.
 * They go out as bare JSON-RPC errors: no `data.type`, `data` only where the specification gives one.
 */
export const PROTOCOL_ERRORS = {
  parse_error: row(400, RpcCode.ParseError),
  invalid_request: row(400, RpcCode.InvalidRequest),
  invalid_params: row(400, RpcCode.InvalidParams),
  method_not_found: row(404, RpcCode.MethodNotFound),
  unsupported_media_type: row(415, RpcCode.TransportError),
  not_acceptable: row(406, RpcCode.TransportError),
  mcp_session_id_required: row(400, RpcCode.TransportError),
  mcp_session_not_found: row(404, RpcCode.SessionNotFound),
  legacy_version_unsupported: row(400, RpcCode.TransportError),
  stream_not_held: row(400, RpcCode.TransportError),
  stream_already_open: row(409, RpcCode.TransportError),
  /** session_not_running's own row, answered bare: a channel's gate, not a failed call. */
  session_unavailable: STATION_ERRORS.session_not_running,
  header_mismatch: row(400, RpcCode.HeaderMismatch),
  missing_required_client_capability: row(400, RpcCode.MissingRequiredClientCapability),
  unsupported_protocol_version: row(400, RpcCode.UnsupportedProtocolVersion),
} as const satisfies Record<string, Row>;

export type StationErrorType = keyof typeof STATION_ERRORS;
export type ProtocolErrorType = keyof typeof PROTOCOL_ERRORS;

/**
 * A JSON-RPC error in a 2026-07-28 Streamable HTTP response, whoever raised it (the station or the server
 * behind): these codes go out with the status the transport specification gives them, any other in a 200.
 */
const STATUS_ON_MODERN_TRANSPORT = new Map<number, number>(
  (["header_mismatch", "missing_required_client_capability", "unsupported_protocol_version", "method_not_found"] as const).map((type) => [
    PROTOCOL_ERRORS[type].code,
    PROTOCOL_ERRORS[type].status,
  ]),
);

export function modernTransportStatus(code: number): number {
  return STATUS_ON_MODERN_TRANSPORT.get(code) ?? 200;
}
