/**
 * The one table, checked against what the documentation promises (docs/api.md's error table, docs/mcp.md's
 * transport answers): every error type's HTTP status and JSON-RPC code, and each channel's shape for it.
 * The expected numbers are written out here on purpose, so a change to the table shows up as a failing row.
 */
import { expect, test } from "bun:test";
import {
  AccessDenied,
  BadRequest,
  CapacityExceeded,
  Forbidden,
  HeaderMismatch,
  InvalidJson,
  InvalidParams,
  InvalidRequest,
  LegacyVersionUnsupported,
  McpSessionIdRequired,
  McpSessionNotFound,
  MessageTooLarge,
  MethodNotFound,
  NotAcceptable,
  NotFound,
  PROTOCOL_ERRORS,
  PayloadTooLarge,
  RemoteError,
  RequestCancelled,
  RemoteRefused,
  RequestTimeout,
  RpcCode,
  SecretMissing,
  STATION_ERRORS,
  ServerExited,
  SessionNotFound,
  SessionNotRunning,
  SessionRestarting,
  MemberUnavailable,
  SessionMoving,
  NodeFenced,
  OwnerUnreachable,
  NotOwner,
  SessionUnavailable,
  ShuttingDown,
  SpawnFailed,
  StartFailed,
  StreamAlreadyOpen,
  StreamNotHeld,
  ToolWithheld,
  TokenCheckUnavailable,
  TooManyRequests,
  Unauthorized,
  UnsupportedMediaType,
  UnsupportedProtocolVersion,
  ValidationFailed,
  toErrorBody,
  toMcpErrorReply,
  toRpcError,
} from "../../src/errors.ts";
import { ErrorCode } from "../../src/jsonrpc/messages.ts";

const stationRows = [
  ["bad_request", 400, -32600, new BadRequest("m")],
  ["validation_failed", 422, -32602, new ValidationFailed("m")],
  ["unauthorized", 401, -32010, new Unauthorized("m")],
  ["forbidden", 403, -32011, new Forbidden("m")],
  ["not_found", 404, -32012, new NotFound("m")],
  ["payload_too_large", 413, -32013, new PayloadTooLarge("m")],
  ["session_not_found", 404, -32001, new SessionNotFound("s1")],
  ["session_not_running", 409, -32002, new SessionNotRunning("m")],
  ["request_timeout", 504, -32003, new RequestTimeout("m")],
  ["server_exited", 502, -32004, new ServerExited("m")],
  ["message_too_large", 502, -32005, new MessageTooLarge("m")],
  ["start_failed", 502, -32006, new StartFailed("m")],
  ["spawn_failed", 400, -32007, new SpawnFailed("m")],
  ["capacity_exceeded", 503, -32008, new CapacityExceeded("m")],
  ["too_many_requests", 429, -32009, new TooManyRequests("m")],
  ["shutting_down", 503, -32014, new ShuttingDown("m")],
  ["request_cancelled", 499, -32015, new RequestCancelled("m")],
  ["session_restarting", 503, -32016, new SessionRestarting("m")],
  ["access_denied", 403, -32017, new AccessDenied("m")],
  ["member_unavailable", 503, -32018, new MemberUnavailable("m")],
  ["session_moving", 503, -32019, new SessionMoving("m")],
  ["node_fenced", 503, -32019, new NodeFenced("m")],
  ["owner_unreachable", 502, -32023, new OwnerUnreachable("m")],
  ["not_owner", 421, -32024, new NotOwner("m")],
  ["remote_refused", 502, -32025, new RemoteRefused("m")],
  ["secret_missing", 422, -32026, new SecretMissing("m")],
  ["tool_withheld", 403, -32027, new ToolWithheld("m")],
  ["token_check_unavailable", 503, -32028, new TokenCheckUnavailable("m")],
] as const;

test.each(stationRows)("station error %s is HTTP %d with JSON-RPC code %d on every channel", (type, status, code, error) => {
  expect(error.type).toBe(type);
  expect(error.status).toBe(status);
  expect(error.rpcCode).toBe(code);
  const rest = toErrorBody(error);
  expect(rest.status).toBe(status);
  expect(rest.body).toEqual({ success: false, error: { code, message: error.message, data: { type, ...error.details } } });
  expect(toRpcError(error)).toEqual({ code, message: error.message, data: { type, ...error.details } });
});

test("every station row of the table has a class and a documented value, and internal_error is 500 -32603", () => {
  expect(Object.keys(STATION_ERRORS).sort()).toEqual([...stationRows.map(([type]) => type), "internal_error"].sort());
  expect(STATION_ERRORS.internal_error).toEqual({ status: 500, code: -32603 });
});

const protocolRows = [
  ["parse_error", 400, -32700, new InvalidJson("Parse error: the body is not valid JSON")],
  ["invalid_request", 400, -32600, new InvalidRequest("Invalid Request: JSON-RPC batches are not supported")],
  ["invalid_params", 400, -32602, new InvalidParams("params._meta must carry x")],
  ["method_not_found", 404, -32601, new MethodNotFound("Method not found")],
  ["unsupported_media_type", 415, -32000, new UnsupportedMediaType()],
  ["not_acceptable", 406, -32000, new NotAcceptable()],
  ["mcp_session_id_required", 400, -32000, new McpSessionIdRequired()],
  ["mcp_session_not_found", 404, -32001, new McpSessionNotFound()],
  ["legacy_version_unsupported", 400, -32000, new LegacyVersionUnsupported("1999-01-01")],
  ["stream_not_held", 400, -32000, new StreamNotHeld()],
  ["stream_already_open", 409, -32000, new StreamAlreadyOpen()],
  ["session_unavailable", 409, -32002, new SessionUnavailable("session s1 is starting")],
  ["header_mismatch", 400, -32020, new HeaderMismatch("Header mismatch: …")],
  ["unsupported_protocol_version", 400, -32022, new UnsupportedProtocolVersion({ supported: ["2026-07-28"], requested: "2099-01-01" })],
] as const;

test.each(protocolRows)("protocol answer %s is HTTP %d with a bare JSON-RPC error %d", (type, status, code, error) => {
  expect(error.type).toBe(type);
  const reply = toMcpErrorReply(7, error);
  expect(reply.status).toBe(status);
  // Bare: no data.type; data only where the specification gives one (the supported versions).
  const expected = error.data === undefined ? { code, message: error.message } : { code, message: error.message, data: error.data };
  expect(reply.body).toEqual({ jsonrpc: "2.0", id: 7, error: expected });
  expect(toRpcError(error)).toEqual(expected);
});

test("every protocol row has a class; missing_required_client_capability travels as a RemoteError, 400 on the modern transport", () => {
  expect(Object.keys(PROTOCOL_ERRORS).sort()).toEqual([...protocolRows.map(([type]) => type), "missing_required_client_capability"].sort());
  const missing = new RemoteError(RpcCode.MissingRequiredClientCapability, "Missing required client capability: sampling", {
    requiredCapabilities: { sampling: {} },
  });
  expect(toMcpErrorReply(1, missing)).toEqual({
    status: 400,
    body: { jsonrpc: "2.0", id: 1, error: { code: -32021, message: missing.message, data: { requiredCapabilities: { sampling: {} } } } },
  });
});

test("the transport texts are the ones the MCP SDK's clients know", () => {
  expect(new UnsupportedMediaType().message).toBe("Unsupported Media Type: Content-Type must be application/json");
  expect(new NotAcceptable().message).toBe("Not Acceptable: the client must accept text/event-stream");
  expect(new McpSessionIdRequired().message).toBe("Bad Request: Mcp-Session-Id header is required");
  expect(new McpSessionNotFound().message).toBe("Session not found");
  expect(new LegacyVersionUnsupported("1999-01-01").message).toBe("Bad Request: Unsupported protocol version: 1999-01-01");
  expect(new StreamNotHeld().message).toBe("Bad Request: the events after that Last-Event-ID are no longer held");
  expect(new StreamAlreadyOpen().message).toBe("Conflict: only one GET stream is allowed per MCP session");
  expect(new UnsupportedProtocolVersion({ supported: [], requested: "x" }).message).toBe("Unsupported protocol version");
});

test("a server's error on the modern transport: 400 for the 2026 protocol codes, 404 for method not found, else 200", () => {
  const statusOf = (code: number) => toMcpErrorReply(1, new RemoteError(code, "m")).status;
  expect(statusOf(-32020)).toBe(400);
  expect(statusOf(-32021)).toBe(400);
  expect(statusOf(-32022)).toBe(400);
  expect(statusOf(-32601)).toBe(404);
  expect(statusOf(-32602)).toBe(200);
  expect(statusOf(-32603)).toBe(200);
  expect(statusOf(-1)).toBe(200);
  // A station failure during a modern call is an answer too: 200, with its type in data.
  expect(toMcpErrorReply(1, new RequestTimeout("late"))).toEqual({
    status: 200,
    body: { jsonrpc: "2.0", id: 1, error: { code: -32003, message: "late", data: { type: "request_timeout" } } },
  });
});

test("a server's own error is data on REST (HTTP 200) and as it is on the live channels", () => {
  const remote = new RemoteError(-32601, "Method not found");
  expect(toErrorBody(remote)).toEqual({
    status: 200,
    headers: {},
    body: { success: false, error: { code: -32601, message: "Method not found" } },
  });
  expect(toRpcError(new RemoteError(-5, "own", { why: 1 }))).toEqual({ code: -5, message: "own", data: { why: 1 } });
});

test("the JSON-RPC codes by name: the specification's, the transport's and MCP 2026's", () => {
  expect(ErrorCode).toEqual({
    ParseError: -32700,
    InvalidRequest: -32600,
    MethodNotFound: -32601,
    InvalidParams: -32602,
    InternalError: -32603,
  });
  expect([
    RpcCode.TransportError,
    RpcCode.HeaderMismatch,
    RpcCode.MissingRequiredClientCapability,
    RpcCode.UnsupportedProtocolVersion,
  ]).toEqual([-32000, -32020, -32021, -32022]);
});

test("headers a station error carries reach the REST reply", () => {
  const error = new TooManyRequests("slow down", { retry_after_s: 3 });
  error.headers = { "retry-after": "3" };
  expect(toErrorBody(error).headers).toEqual({ "retry-after": "3" });
});
