/**
 * The MCP round trip to a server as a span, and the trace context it puts
 * into params._meta, against an in-memory exporter.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { RemoteError, RequestCancelled, RequestTimeout, ServerExited } from "../../src/errors.ts";
import { startHttpSpan } from "../../src/tracing/http-span.ts";
import { endRoundTrip, noteRequestId, startRoundTrip } from "../../src/tracing/round-trip.ts";
import { inScope } from "../../src/tracing/spans.ts";
import { withTraceMeta } from "../../src/tracing/trace-meta.ts";
import { CALLER_TRACE, CALLER_TRACEPARENT, type TestTracing, installTestTracing } from "./harness.ts";

let traces: TestTracing;
beforeAll(() => {
  traces = installTestTracing();
});
afterAll(() => traces.uninstall());
beforeEach(() => traces.reset());

const SESSION = "5d0c7f1e-8a43-4b52-9d51-3f1c2a7b9e10";
const SECRET = "s3cret-argument-value";
const call = { name: "echo", arguments: { text: SECRET } };

/** A round trip under an HTTP request that continues the caller's traceparent, as the station makes one. */
function underRequest<T>(fn: () => T): T {
  const http = startHttpSpan(new Request("http://station/mcp/request", { method: "POST", headers: { traceparent: CALLER_TRACEPARENT } }));
  return inScope(http, fn);
}

describe("a tools/call round trip", () => {
  test("a CLIENT span named after the tool, a child of the active span, with the MCP and GenAI attributes", () => {
    underRequest(() => {
      const trip = startRoundTrip("tools/call", call, SESSION, "2025-11-25");
      noteRequestId(trip, 7);
      endRoundTrip(trip, undefined, { content: [{ type: "text", text: SECRET }] });
    });
    const span = traces.span("tools/call echo");
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.spanContext().traceId).toBe(CALLER_TRACE);
    expect(span.attributes).toEqual({
      "mcp.method.name": "tools/call",
      "mcp.session.id": SESSION,
      "gen_ai.tool.name": "echo",
      "gen_ai.operation.name": "execute_tool",
      "network.transport": "pipe",
      "mcp.protocol.version": "2025-11-25",
      "jsonrpc.request.id": "7",
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("the request carries the round trip's own traceparent in params._meta; the caller's params are untouched", () => {
    const params = { ...call, _meta: { progressToken: 4, tracestate: "ignored" } };
    const sent = underRequest(() => {
      const trip = startRoundTrip("tools/call", params, SESSION)!;
      const out = withTraceMeta(params, trip.context);
      endRoundTrip(trip);
      return out;
    });
    const span = traces.span("tools/call echo");
    expect(sent).toEqual({ ...call, _meta: { progressToken: 4, traceparent: `00-${CALLER_TRACE}-${span.spanContext().spanId}-01` } });
    expect(params._meta).toEqual({ progressToken: 4, tracestate: "ignored" });
  });

  test("the caller's tracestate travels on to the server", () => {
    const http = startHttpSpan(
      new Request("http://station/mcp/request", { method: "POST", headers: { traceparent: CALLER_TRACEPARENT, tracestate: "vendor=abc" } }),
    );
    const sent = inScope(http, () => {
      const trip = startRoundTrip("tools/list", undefined, SESSION)!;
      endRoundTrip(trip);
      return withTraceMeta(undefined, trip.context);
    });
    expect(sent?._meta).toMatchObject({ tracestate: "vendor=abc" });
  });

  test("a caller that put its own MCP span in params._meta is the parent; the HTTP span is linked", () => {
    const callerMcpSpan = "1111111111111111";
    const params = { ...call, _meta: { traceparent: `00-${CALLER_TRACE}-${callerMcpSpan}-01` } };
    underRequest(() => endRoundTrip(startRoundTrip("tools/call", params, SESSION)));
    const span = traces.span("tools/call echo");
    expect(span.parentSpanContext?.spanId).toBe(callerMcpSpan);
    expect(span.links).toHaveLength(1);
    expect(span.links[0].context.spanId).not.toBe(callerMcpSpan);
  });

  test("no attribute carries an argument's value", () => {
    underRequest(() => endRoundTrip(startRoundTrip("tools/call", call, SESSION), new RemoteError(-32602, `bad text: ${SECRET}`)));
    for (const span of traces.spans()) {
      for (const value of Object.values(span.attributes)) expect(String(value)).not.toContain(SECRET);
      expect(span.status.message ?? "").not.toContain(SECRET);
    }
  });

  test("a prompt is named by gen_ai.prompt.name; an outsized tool name is left out of the span name", () => {
    endRoundTrip(startRoundTrip("prompts/get", { name: "summarize" }, SESSION));
    expect(traces.span("prompts/get summarize").attributes["gen_ai.prompt.name"]).toBe("summarize");
    endRoundTrip(startRoundTrip("tools/call", { name: "x".repeat(500) }, SESSION));
    expect(traces.span("tools/call").attributes["gen_ai.tool.name"]).toBeUndefined();
  });
});

describe("how a round trip ends", () => {
  test("a JSON-RPC error: error.type and rpc.response.status_code are its code, the status says so without its message", () => {
    endRoundTrip(startRoundTrip("tools/call", call, SESSION), new RemoteError(-32602, "Unknown tool: echo"));
    const span = traces.span("tools/call echo");
    expect(span.attributes["error.type"]).toBe("-32602");
    expect(span.attributes["rpc.response.status_code"]).toBe("-32602");
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: "-32602" });
  });

  test("a result with isError: error.type tool_error", () => {
    endRoundTrip(startRoundTrip("tools/call", call, SESSION), undefined, { content: [], isError: true });
    const span = traces.span("tools/call echo");
    expect(span.attributes["error.type"]).toBe("tool_error");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  test("a station failure: error.type is its type", () => {
    endRoundTrip(startRoundTrip("tools/call", call, SESSION), new ServerExited("the server is gone"));
    expect(traces.span("tools/call echo").attributes["error.type"]).toBe("server_exited");
  });

  test("a timeout: error.type request_timeout and a child notifications/cancelled span for the cancel the server was sent", () => {
    endRoundTrip(startRoundTrip("tools/call", call, SESSION), new RequestTimeout("tools/call timed out"));
    const trip = traces.span("tools/call echo");
    const cancel = traces.span("notifications/cancelled");
    expect(trip.attributes["error.type"]).toBe("request_timeout");
    expect(cancel.parentSpanContext?.spanId).toBe(trip.spanContext().spanId);
    expect(cancel.kind).toBe(SpanKind.CLIENT);
    expect(cancel.attributes).toEqual({ "mcp.method.name": "notifications/cancelled", "mcp_station.cancel.reason": "timeout" });
  });

  test("a caller that hung up: the cancel's reason is caller", () => {
    endRoundTrip(startRoundTrip("tools/call", call, SESSION), new RequestCancelled("cancelled by its caller"));
    expect(traces.span("tools/call echo").attributes["error.type"]).toBe("request_cancelled");
    expect(traces.span("notifications/cancelled").attributes["mcp_station.cancel.reason"]).toBe("caller");
  });
});

describe("sampling", () => {
  test("a trace sampled out records nothing, and still tells the server it was not sampled", () => {
    traces.uninstall();
    const { TraceIdRatioBasedSampler } = require("@opentelemetry/sdk-trace");
    const unsampled = installTestTracing(new TraceIdRatioBasedSampler(0));
    try {
      const trip = startRoundTrip("tools/call", call, SESSION)!;
      const sent = withTraceMeta(call, trip.context)!;
      endRoundTrip(trip);
      expect(unsampled.spans()).toEqual([]);
      expect(trace.getSpan(trip.context)?.isRecording()).toBe(false);
      expect((sent._meta as Record<string, string>).traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    } finally {
      unsampled.uninstall();
      traces = installTestTracing();
    }
  });
});
