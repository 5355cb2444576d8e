/**
 * startTracing end to end: the OTEL_* settings, the SDK, and the OTLP/HTTP
 * protobuf export to a receiver on loopback that decodes what arrives.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createLogger } from "../../src/log.ts";
import { endRoundTrip, startRoundTrip } from "../../src/tracing/round-trip.ts";
import { tracingOn } from "../../src/tracing/runtime.ts";
import { type Tracing, startTracing } from "../../src/tracing/setup.ts";
import { SPAN_KIND, startOtlpReceiver } from "../support/otlp-receiver.ts";

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function capturedLog() {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger("info", (line) => lines.push(JSON.parse(line))), lines };
}

async function started(env: Record<string, string>, log = capturedLog().log): Promise<Tracing> {
  const tracing = await startTracing(env, log, "9.9.9");
  stops.push(() => tracing.shutdown());
  return tracing;
}

describe("startTracing with an OTLP endpoint", () => {
  test("spans reach the collector as OTLP/HTTP protobuf, with the station's resource and scope", async () => {
    const receiver = startOtlpReceiver();
    stops.push(receiver.stop);
    const { log, lines } = capturedLog();
    const tracing = await started({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_TRACES_SAMPLER: "always_on" }, log);
    expect(tracing.enabled).toBe(true);
    expect(tracingOn()).toBe(true);
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: "tracing on",
        endpoint: `${receiver.endpoint}/v1/traces`,
        sampler: "always_on",
        propagators: ["tracecontext", "baggage"],
      }),
    );
    endRoundTrip(startRoundTrip("tools/call", { name: "echo" }, "s1", "2025-11-25"));
    await tracing.flush();
    const [span] = await receiver.waitForSpans((spans) => spans.length > 0);
    expect(receiver.requests).toEqual([{ path: "/v1/traces", contentType: "application/x-protobuf" }]);
    expect(span.name).toBe("tools/call echo");
    expect(span.kind).toBe(SPAN_KIND.client);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.attributes).toMatchObject({ "mcp.method.name": "tools/call", "gen_ai.tool.name": "echo", "mcp.session.id": "s1" });
    expect(span.resource).toMatchObject({ "service.name": "mcp-station", "service.version": "9.9.9" });
    expect(span.scope).toEqual({ name: "mcp-station", version: "9.9.9" });
    expect(span.endNs).toBeGreaterThanOrEqual(span.startNs);
  });

  test("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES name the service", async () => {
    const receiver = startOtlpReceiver();
    stops.push(receiver.stop);
    const saved = { name: process.env.OTEL_SERVICE_NAME, attributes: process.env.OTEL_RESOURCE_ATTRIBUTES };
    // The SDK's resource detector reads process.env itself.
    process.env.OTEL_SERVICE_NAME = "gateway-eu";
    process.env.OTEL_RESOURCE_ATTRIBUTES = "deployment.environment.name=test";
    stops.push(() => {
      for (const [key, value] of [
        ["OTEL_SERVICE_NAME", saved.name],
        ["OTEL_RESOURCE_ATTRIBUTES", saved.attributes],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });
    const tracing = await started({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.endpoint}/custom/path` });
    endRoundTrip(startRoundTrip("tools/list", undefined, "s1"));
    await tracing.flush();
    const [span] = await receiver.waitForSpans((spans) => spans.length > 0);
    expect(receiver.requests[0].path).toBe("/custom/path");
    expect(span.resource).toMatchObject({ "service.name": "gateway-eu", "deployment.environment.name": "test" });
  });

  test("shutdown sends what is still queued, then tracing is off", async () => {
    const receiver = startOtlpReceiver();
    stops.push(receiver.stop);
    // A long batch delay: only the shutdown can send this span in time.
    const tracing = await startTracing(
      { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "600000" },
      capturedLog().log,
      "1",
    );
    endRoundTrip(startRoundTrip("ping", undefined, "s1"));
    await tracing.shutdown();
    expect(receiver.spans.map((s) => s.name)).toEqual(["ping"]);
    expect(tracingOn()).toBe(false);
  });

  test("an unreachable collector costs one warning a minute, not an exception, a flood or a stuck flush", async () => {
    const receiver = startOtlpReceiver();
    const closedPort = receiver.endpoint;
    receiver.stop();
    const { log, lines } = capturedLog();
    // The exporter retries a refused connection for seconds; the batch processor gives up on an export after 300 ms.
    const tracing = await started({ OTEL_EXPORTER_OTLP_ENDPOINT: closedPort, OTEL_BSP_EXPORT_TIMEOUT: "300" }, log);
    for (let i = 0; i < 3; i++) {
      endRoundTrip(startRoundTrip("ping", undefined, "s1"));
      await tracing.flush();
    }
    const warnings = lines.filter((line) => line.level === "warn");
    expect(warnings).toEqual([expect.objectContaining({ msg: "trace export failed", error: expect.any(String), suppressed: 0 })]);
  });

  test("a setting it cannot honour is logged as a warning and tracing still starts", async () => {
    const { log, lines } = capturedLog();
    const tracing = await started({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9", OTEL_TRACES_SAMPLER: "xray" }, log);
    expect(tracing.enabled).toBe(true);
    expect(lines[0]).toMatchObject({ level: "warn", msg: "OTEL_TRACES_SAMPLER=xray is not supported; using parentbased_always_on" });
  });
});
