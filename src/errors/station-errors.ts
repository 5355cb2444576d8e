/**
 * The station's error family: typed where they arise (in any layer), each
 * class one row of the table in codes.ts, which gives its HTTP status and
 * JSON-RPC code. Turned into a REST body or a JSON-RPC error by map.ts.
 *
 * @example
 *   throw new SessionNotFound(id)                                  // 404, data.type "session_not_found"
 *   throw new ServerExited("the server is gone", {}, { cause })    // the cause is kept for the log
 */
import { STATION_ERRORS, type StationErrorType } from "./codes.ts";

export abstract class StationError extends Error {
  /** Stable machine-readable name, also `error.data.type` in the body; its row in the table. */
  abstract readonly type: StationErrorType;
  /** Extra fields for `error.data`. */
  readonly details: Record<string, unknown>;
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers: Record<string, string> = {};

  constructor(message: string, details: Record<string, unknown> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }

  /** HTTP status the error maps to. */
  get status(): number {
    return STATION_ERRORS[this.type].status;
  }

  /** JSON-RPC error code used in the body and on WebSocket/MCP channels. */
  get rpcCode(): number {
    return STATION_ERRORS[this.type].code;
  }
}

// `type` is typed as any row, not its own literal: the classes stay interchangeable where code takes one of several.
const define = (type: StationErrorType) =>
  class extends StationError {
    readonly type: StationErrorType = type;
  };

/** The request body or a parameter is malformed or not allowed. */
export class BadRequest extends define("bad_request") {}
/** The body parsed but does not match the schema. */
export class ValidationFailed extends define("validation_failed") {}
export class Unauthorized extends define("unauthorized") {}
export class Forbidden extends define("forbidden") {}
export class NotFound extends define("not_found") {}
export class PayloadTooLarge extends define("payload_too_large") {}

export class SessionNotFound extends define("session_not_found") {
  constructor(sessionId: string, options?: ErrorOptions) {
    super(`session ${sessionId} not found`, { session_id: sessionId }, options);
  }
}
/** The session exists but its server is not running (starting, stopping or exited). */
export class SessionNotRunning extends define("session_not_running") {}
/** The request's deadline passed; the server was sent notifications/cancelled. */
export class RequestTimeout extends define("request_timeout") {}
/** The server process exited while the request was pending or before it was sent. */
export class ServerExited extends define("server_exited") {}
/** The server's answer was larger than the configured message cap. */
export class MessageTooLarge extends define("message_too_large") {}
/** The server started but did not complete the MCP handshake. */
export class StartFailed extends define("start_failed") {}
/** The executable could not be started at all (not found, not executable, bad cwd). */
export class SpawnFailed extends define("spawn_failed") {}
/** A station-wide capacity limit (sessions, memory) is reached. */
export class CapacityExceeded extends define("capacity_exceeded") {}
/** A per-caller limit (rate, requests in flight, sessions per tenant) is reached. */
export class TooManyRequests extends define("too_many_requests") {}
/** The caller withdrew the request (closed its connection, cancelled); the server was sent notifications/cancelled. */
export class RequestCancelled extends define("request_cancelled") {}
/** The station is shutting down and takes no new work. */
export class ShuttingDown extends define("shutting_down") {}
/** The session's server is restarting and will not be back within the request's deadline; Retry-After says when the next attempt is due. */
export class SessionRestarting extends define("session_restarting") {}
/** The registry's access rules do not let this caller start that server or call that tool. */
export class AccessDenied extends define("access_denied") {}
/** A group's member that owns the tool, prompt or resource asked for has no running server (docs/groups.md, Failure). */
export class MemberUnavailable extends define("member_unavailable") {}

/** Cluster mode: the session's owner is dead or it is being started on another node; retry after Retry-After. */
export class SessionMoving extends define("session_moving") {}
/** Cluster mode: this node lost its lease and stopped its servers; it answers nothing until it rejoins. */
export class NodeFenced extends define("node_fenced") {}
/** Cluster mode: the owner failed while a forwarded request was in flight; the request is not replayed. */
export class OwnerUnreachable extends define("owner_unreachable") {}
/** Cluster mode: a forwarded request reached a node that no longer owns the session (the sender refreshes and retries once). */
export class NotOwner extends define("not_owner") {}
/** A remote server answered a request with an HTTP error (401 for a bad credential, 403, a 4xx or 5xx) instead of JSON-RPC. */
export class RemoteRefused extends define("remote_refused") {}
/** A launch names a secret the session's tenant has not set (or the station keeps no secrets). */
export class SecretMissing extends define("secret_missing") {}
/** A tool whose definition changed since it was approved (pinned tools): refused until an admin approves the new one. */
export class ToolWithheld extends define("tool_withheld") {}
/**
 * An opaque token could not be checked: the introspection endpoint (RFC 7662) is down, slow past its
 * deadline, or answered something that is not an introspection answer. 503, not 401: the token may be
 * good, and a 401 would send an MCP client through a new authorization it does not need.
 */
export class TokenCheckUnavailable extends define("token_check_unavailable") {}
