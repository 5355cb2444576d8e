/**
 * Tracing off (no OTEL_* settings, the default): every helper returns at
 * once, starts no span, allocates no carrier and hands the caller's params
 * back as the very same object, so the station's behaviour is what it was
 * before tracing existed.
 */
import { describe, expect, test } from "bun:test";
import { endHttpSpan, startHttpSpan, startMcpMessage } from "../../src/tracing/http-span.ts";
import { activeTraceIds } from "../../src/tracing/log-ids.ts";
import { endRoundTrip, noteRequestId, startRoundTrip } from "../../src/tracing/round-trip.ts";
import { outsideTraces, tracingOn } from "../../src/tracing/runtime.ts";
import { noteHandshake, startSessionSpan } from "../../src/tracing/session-spans.ts";
import { endScope, inScope } from "../../src/tracing/spans.ts";
import { contextFromHeaders, contextFromMeta, withTraceMeta } from "../../src/tracing/trace-meta.ts";
import { startTracing } from "../../src/tracing/setup.ts";
import { silentLogger } from "../../src/log.ts";
import { CALLER_TRACEPARENT } from "./harness.ts";

describe("tracing off", () => {
  test("startTracing without OTEL_* settings leaves it off", async () => {
    const tracing = await startTracing({}, silentLogger, "0.0.0");
    expect(tracing.enabled).toBe(false);
    expect(tracingOn()).toBe(false);
    await tracing.shutdown();
  });

  test("every helper is a no-op; params come back as the same object", () => {
    const params = { name: "echo", arguments: { text: "hi" }, _meta: { traceparent: CALLER_TRACEPARENT } };
    const request = new Request("http://station/mcp/request", { method: "POST", headers: { traceparent: CALLER_TRACEPARENT } });
    const http = startHttpSpan(request);
    expect(http).toBeUndefined();
    endHttpSpan(http, "POST", 200, "/mcp/request");
    const trip = startRoundTrip("tools/call", params, "s1");
    expect(trip).toBeUndefined();
    noteRequestId(trip, 1);
    endRoundTrip(trip, new Error("x"));
    expect(withTraceMeta(params, {} as never)).toBe(params);
    expect(contextFromMeta(params)).toBeUndefined();
    expect(contextFromHeaders(request.headers).getValue(Symbol.for("x"))).toBeUndefined();
    expect(startMcpMessage("tools/call", params, "s1", "http")).toBeUndefined();
    const session = startSessionSpan("session start", "s1");
    expect(session).toBeUndefined();
    noteHandshake(session, "legacy", "2025-11-25");
    endScope(session);
    expect(inScope(session, () => 42)).toBe(42);
    expect(outsideTraces(() => 43)).toBe(43);
    expect(activeTraceIds()).toBeUndefined();
    expect(params._meta.traceparent).toBe(CALLER_TRACEPARENT);
  });
});
