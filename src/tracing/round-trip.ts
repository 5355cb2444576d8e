/**
 * One MCP request from the station to its server, as a CLIENT span after the
 * MCP conventions: named `tools/call echo`, with `mcp.method.name`,
 * `gen_ai.tool.name`, `mcp.session.id`, `jsonrpc.request.id` (the station's
 * id on the stdio stream), `network.transport` pipe, and on failure
 * `error.type` (the JSON-RPC code, the station error's type, or `tool_error`
 * for a result with isError). It starts when the line is written and ends
 * when the answer is read, so its length is the server's time; what its
 * parent spent around it is the station's own.
 *
 * Its parent is the caller's MCP span when the caller put one in
 * `params._meta` (the active HTTP span is then linked), else the active span
 * (always the active span under an MCP message span, which read that `_meta`).
 * A request withdrawn on its deadline or by its caller gets a child
 * `notifications/cancelled` span: the cancel the server was sent.
 *
 * @example
 *   const trip = startRoundTrip("tools/call", params, sessionId, "2025-11-25");
 *   const sent = peer.request(method, trip ? withTraceMeta(params, trip.context) : params, deadline);
 *   noteRequestId(trip, sent.id);
 *   endRoundTrip(trip, error, result);
 */
import { type Link, SpanKind, trace } from "@opentelemetry/api";
import { RemoteError, RequestCancelled, RequestTimeout } from "../errors.ts";
import { ATTR, TOOL_ERROR, mcpAttributes, mcpSpanName } from "./attributes.ts";
import { active } from "./runtime.ts";
import { type Scope, endScope, failSpan, startSpan } from "./spans.ts";
import { MESSAGE_TRACED, contextFromMeta } from "./trace-meta.ts";

export function startRoundTrip(
  method: string,
  params: Record<string, unknown> | undefined,
  sessionId: string,
  protocolVersion?: string,
): Scope | undefined {
  const runtime = active.runtime;
  if (!runtime) return undefined;
  const attributes: Record<string, string> = mcpAttributes(method, params, sessionId);
  attributes[ATTR.networkTransport] = "pipe";
  if (protocolVersion) attributes[ATTR.mcpProtocolVersion] = protocolVersion;
  const ambientContext = runtime.contexts.active();
  const callerSpan = ambientContext.getValue(MESSAGE_TRACED) ? undefined : contextFromMeta(params);
  let links: Link[] | undefined;
  if (callerSpan) {
    const ambient = trace.getSpan(ambientContext);
    if (ambient) links = [{ context: ambient.spanContext() }];
  }
  return startSpan(mcpSpanName(method, params), SpanKind.CLIENT, attributes, callerSpan, links);
}

/** The station's JSON-RPC id of the request, known once it is sent. */
export function noteRequestId(trip: Scope | undefined, id: number): void {
  trip?.span.setAttribute(ATTR.jsonrpcRequestId, String(id));
}

/** Ends the round trip with the server's result or the error the request ended with. */
export function endRoundTrip(trip: Scope | undefined, error?: unknown, result?: unknown): void {
  if (!trip) return;
  if (error instanceof RemoteError) trip.span.setAttribute(ATTR.rpcResponseStatusCode, String(error.code));
  if (error instanceof RequestTimeout || error instanceof RequestCancelled) {
    const cancel = startSpan(
      "notifications/cancelled",
      SpanKind.CLIENT,
      {
        [ATTR.mcpMethodName]: "notifications/cancelled",
        [ATTR.stationCancelReason]: error instanceof RequestTimeout ? "timeout" : "caller",
      },
      trip.context,
    );
    endScope(cancel);
  }
  if (error === undefined && isToolError(result)) failSpan(trip.span, TOOL_ERROR);
  endScope(trip, error);
}

/** A CallToolResult with isError: the call failed inside the tool (the MCP conventions' `tool_error`). */
function isToolError(result: unknown): boolean {
  return typeof result === "object" && result !== null && (result as { isError?: unknown }).isError === true;
}
