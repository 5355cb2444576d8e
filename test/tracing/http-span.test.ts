/**
 * The HTTP request span and the MCP message span, in an Elysia app wired as
 * the station wires them (a hook starts the span, the response ends it), so
 * the round trip made by the handler lands under the request's span.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { Elysia } from "elysia";
import { endHttpSpan, startHttpSpan, startMcpMessage } from "../../src/tracing/http-span.ts";
import { endRoundTrip, startRoundTrip } from "../../src/tracing/round-trip.ts";
import { type Scope, endScope, inScope } from "../../src/tracing/spans.ts";
import { contextFromHeaders } from "../../src/tracing/trace-meta.ts";
import { eventually } from "../support/processes.ts";
import { CALLER_SPAN, CALLER_TRACE, CALLER_TRACEPARENT, type TestTracing, installTestTracing } from "./harness.ts";

let traces: TestTracing;
beforeAll(() => {
  traces = installTestTracing();
});
afterAll(() => traces.uninstall());
beforeEach(() => traces.reset());

function tracedApp(status = 200) {
  const scopes = new WeakMap<Request, Scope | undefined>();
  return (
    new Elysia()
      .onRequest(({ request }) => {
        scopes.set(request, startHttpSpan(request));
      })
      // Before the route: an Elysia hook applies to the routes registered after it.
      .onAfterResponse(({ request, set, route }) => {
        endHttpSpan(scopes.get(request), request.method, Number(set.status ?? 200), route, status >= 500 ? "server_exited" : undefined);
      })
      .post("/sessions/:id/call", async ({ params, set }) => {
        await Bun.sleep(1);
        endRoundTrip(startRoundTrip("tools/call", { name: "echo" }, params.id));
        set.status = status;
        return { ok: status < 400 };
      })
  );
}

/** app.handle runs in the test's own async context: keep what the hook enters from staying with the test. */
async function send(app: ReturnType<typeof tracedApp>, headers: Record<string, string> = {}) {
  await traces.contexts.with(ROOT_CONTEXT, () => app.handle(new Request("http://station/sessions/s1/call", { method: "POST", headers })));
  // onAfterResponse runs after the response is handed back.
  await eventually(() => traces.spans().some((s) => s.kind === SpanKind.SERVER));
}

describe("the HTTP request span", () => {
  test("continues the caller's traceparent, is named by method and route, and holds the round trip", async () => {
    await send(tracedApp(), { traceparent: CALLER_TRACEPARENT });
    const http = traces.span("POST /sessions/:id/call");
    const trip = traces.span("tools/call echo");
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.spanContext().traceId).toBe(CALLER_TRACE);
    expect(http.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(http.parentSpanContext?.isRemote).toBe(true);
    expect(trip.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(http.attributes).toEqual({
      "http.request.method": "POST",
      "url.path": "/sessions/s1/call",
      "url.scheme": "http",
      "network.protocol.name": "http",
      "http.response.status_code": 200,
      "http.route": "/sessions/:id/call",
    });
    expect(http.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("without a traceparent it starts a trace of its own", async () => {
    await send(tracedApp());
    const http = traces.span("POST /sessions/:id/call");
    expect(http.parentSpanContext).toBeUndefined();
    expect(traces.span("tools/call echo").spanContext().traceId).toBe(http.spanContext().traceId);
  });

  test("a 5xx is an error with the station's error type; a 4xx is the caller's and leaves the status unset", async () => {
    await send(tracedApp(502));
    const failed = traces.span("POST /sessions/:id/call");
    expect(failed.attributes["error.type"]).toBe("server_exited");
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: "server_exited" });
    traces.reset();
    await send(tracedApp(404));
    const refused = traces.span("POST /sessions/:id/call");
    expect(refused.attributes["error.type"]).toBeUndefined();
    expect(refused.status.code).toBe(SpanStatusCode.UNSET);
  });

  test("a malformed traceparent is ignored: a new trace, not a failure", async () => {
    await send(tracedApp(), { traceparent: "00-zz-not-a-trace" });
    expect(traces.span("POST /sessions/:id/call").parentSpanContext).toBeUndefined();
  });
});

describe("an MCP message from a client (WebSocket, MCP endpoint)", () => {
  test("a SERVER span under the caller's MCP span from params._meta", () => {
    const params = { name: "echo", _meta: { traceparent: CALLER_TRACEPARENT } };
    endScope(startMcpMessage("tools/call", params, "s1", "websocket"));
    const span = traces.span("tools/call echo");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(span.attributes).toMatchObject({
      "network.protocol.name": "websocket",
      "mcp.method.name": "tools/call",
      "mcp.session.id": "s1",
    });
  });

  test("without one, under the fallback: the WebSocket's upgrade request", () => {
    const upgrade = contextFromHeaders(new Headers({ traceparent: CALLER_TRACEPARENT }));
    endScope(startMcpMessage("tools/list", {}, "s1", "websocket", upgrade));
    expect(traces.span("tools/list").parentSpanContext?.spanId).toBe(CALLER_SPAN);
  });

  test("a round trip made for the message is its child, though the message's _meta names the caller's span", () => {
    const params = { name: "echo", _meta: { traceparent: CALLER_TRACEPARENT } };
    const message = startMcpMessage("tools/call", params, "s1", "http");
    inScope(message, () => endRoundTrip(startRoundTrip("tools/call", params, "s1")));
    endScope(message);
    const [trip, server] = [SpanKind.CLIENT, SpanKind.SERVER].map((kind) => traces.spans().find((s) => s.kind === kind)!);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(trip.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(trip.links).toEqual([]);
  });
});
