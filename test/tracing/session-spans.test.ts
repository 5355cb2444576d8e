/**
 * A session's start, handshake and restart as spans; the ids the log reads;
 * and work kept out of the trace that started it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { StartFailed } from "../../src/errors.ts";
import { activeTraceIds } from "../../src/tracing/log-ids.ts";
import { outsideTraces } from "../../src/tracing/runtime.ts";
import { noteHandshake, startSessionSpan } from "../../src/tracing/session-spans.ts";
import { endScope, inScope } from "../../src/tracing/spans.ts";
import { type TestTracing, installTestTracing } from "./harness.ts";

let traces: TestTracing;
beforeAll(() => {
  traces = installTestTracing();
});
afterAll(() => traces.uninstall());
beforeEach(() => traces.reset());

describe("session spans", () => {
  test("session start holds its handshake, each with the session id; the handshake says what it found", async () => {
    const start = startSessionSpan("session start", "s1", { "mcp_station.server": "everything" });
    await inScope(start, async () => {
      const handshake = startSessionSpan("handshake", "s1");
      await Bun.sleep(1);
      noteHandshake(handshake, "legacy", "2025-11-25");
      endScope(handshake);
    });
    endScope(start);
    const started = traces.span("session start");
    const handshake = traces.span("handshake");
    expect(started.kind).toBe(SpanKind.INTERNAL);
    expect(started.attributes).toEqual({ "mcp_station.server": "everything", "mcp.session.id": "s1" });
    expect(handshake.parentSpanContext?.spanId).toBe(started.spanContext().spanId);
    expect(handshake.attributes).toEqual({ "mcp.session.id": "s1", "mcp_station.era": "legacy", "mcp.protocol.version": "2025-11-25" });
  });

  test("a failed start is an error with the station's error type", () => {
    endScope(startSessionSpan("session start", "s1"), new StartFailed("no answer to initialize"));
    const span = traces.span("session start");
    expect(span.attributes["error.type"]).toBe("start_failed");
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });

  test("a restart is a trace of its own, even when something else is active; its start is its child", () => {
    const request = startSessionSpan("session start", "other");
    inScope(request, () => {
      const restart = startSessionSpan("session restart", "s1", {
        "mcp_station.restart.reason": "crash",
        "mcp_station.restart.attempt": 2,
      });
      inScope(restart, () => endScope(startSessionSpan("session start", "s1")));
      endScope(restart);
    });
    endScope(request);
    const restart = traces.span("session restart");
    expect(restart.parentSpanContext).toBeUndefined();
    expect(restart.spanContext().traceId).not.toBe(
      traces
        .spans()
        .find((s) => s.attributes["mcp.session.id"] === "other")!
        .spanContext().traceId,
    );
    const restarted = traces.spans().find((s) => s.name === "session start" && s.attributes["mcp.session.id"] === "s1")!;
    expect(restarted.parentSpanContext?.spanId).toBe(restart.spanContext().spanId);
    expect(restart.attributes).toMatchObject({ "mcp_station.restart.reason": "crash", "mcp_station.restart.attempt": 2 });
  });
});

describe("the active span's ids for the log", () => {
  test("the ids of the span in scope, across an await; none outside", async () => {
    expect(activeTraceIds()).toBeUndefined();
    const scope = startSessionSpan("session start", "s1")!;
    const inside = await inScope(scope, async () => {
      await Bun.sleep(1);
      return activeTraceIds();
    });
    endScope(scope);
    expect(inside).toEqual({ trace_id: scope.span.spanContext().traceId, span_id: scope.span.spanContext().spanId });
    expect(activeTraceIds()).toBeUndefined();
  });

  test("outsideTraces: work that outlives a request does not carry its trace", async () => {
    const scope = startSessionSpan("session start", "s1");
    const later = await inScope(scope, () =>
      outsideTraces(async () => {
        await Bun.sleep(1);
        return activeTraceIds();
      }),
    );
    endScope(scope);
    expect(later).toBeUndefined();
  });
});
