import { describe, expect, test } from "bun:test";
import { readTracingSettings } from "../../src/tracing/settings.ts";

const on = (env: Record<string, string>) => {
  const settings = readTracingSettings(env);
  if (!settings.enabled) throw new Error(`expected tracing on, got off: ${settings.reason}`);
  return settings;
};

describe("readTracingSettings: on or off", () => {
  test("off by default: no OTEL_* variable", () => {
    expect(readTracingSettings({})).toEqual({ enabled: false, reason: "no OTLP endpoint set" });
  });

  test("an OTLP endpoint turns it on, for all signals or for traces only", () => {
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" }).url).toBe("http://collector:4318/v1/traces");
    expect(on({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).url).toBe("http://collector:4318/v1/traces");
    // The signal's own endpoint is taken as it is, and wins over the general one.
    const both = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://a:4318", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b:9999/custom" };
    expect(on(both).url).toBe("http://b:9999/custom");
  });

  test("OTEL_TRACES_EXPORTER=otlp alone turns it on towards the default endpoint", () => {
    expect(on({ OTEL_TRACES_EXPORTER: "otlp" }).url).toBe("http://localhost:4318/v1/traces");
  });

  test("OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none win over an endpoint", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(readTracingSettings({ ...endpoint, OTEL_SDK_DISABLED: "TRUE" })).toEqual({ enabled: false, reason: "OTEL_SDK_DISABLED=true" });
    expect(readTracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: "none" })).toEqual({
      enabled: false,
      reason: "OTEL_TRACES_EXPORTER=none",
    });
    expect(on({ ...endpoint, OTEL_SDK_DISABLED: "false" }).enabled).toBe(true);
  });

  test("an exporter other than otlp alone leaves it off; beside otlp it is a warning", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(readTracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: "zipkin" })).toEqual({
      enabled: false,
      reason: "OTEL_TRACES_EXPORTER=zipkin",
    });
    expect(on({ ...endpoint, OTEL_TRACES_EXPORTER: "otlp,console" }).warnings).toEqual([
      "OTEL_TRACES_EXPORTER: only otlp is supported; ignored console",
    ]);
  });
});

describe("readTracingSettings: the sampler", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };

  test("parentbased_always_on by default", () => {
    expect(on(endpoint).sampler).toEqual({ name: "parentbased_always_on", ratio: 1 });
  });

  test("every sampler the specification names for the SDK, with its ratio", () => {
    for (const name of [
      "always_on",
      "always_off",
      "traceidratio",
      "parentbased_always_on",
      "parentbased_always_off",
      "parentbased_traceidratio",
    ]) {
      expect(on({ ...endpoint, OTEL_TRACES_SAMPLER: name }).sampler.name).toBe(name as never);
    }
    expect(on({ ...endpoint, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }).sampler).toEqual({
      name: "parentbased_traceidratio",
      ratio: 0.01,
    });
  });

  test("an unknown sampler or a bad ratio is a warning and the default, never a failed start", () => {
    const unknown = on({ ...endpoint, OTEL_TRACES_SAMPLER: "jaeger_remote" });
    expect(unknown.sampler).toEqual({ name: "parentbased_always_on", ratio: 1 });
    expect(unknown.warnings).toEqual(["OTEL_TRACES_SAMPLER=jaeger_remote is not supported; using parentbased_always_on"]);
    const bad = on({ ...endpoint, OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" });
    expect(bad.sampler).toEqual({ name: "traceidratio", ratio: 1 });
    expect(bad.warnings).toEqual(["OTEL_TRACES_SAMPLER_ARG=1.5 is not a ratio between 0 and 1; using 1"]);
  });
});

describe("readTracingSettings: propagators, batching, protocol, the endpoint in the log", () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };

  test("tracecontext and baggage by default; none; unknown ones are warned about", () => {
    expect(on(endpoint).propagators).toEqual(["tracecontext", "baggage"]);
    expect(on({ ...endpoint, OTEL_PROPAGATORS: "tracecontext" }).propagators).toEqual(["tracecontext"]);
    expect(on({ ...endpoint, OTEL_PROPAGATORS: "none" }).propagators).toEqual([]);
    const b3 = on({ ...endpoint, OTEL_PROPAGATORS: "tracecontext,b3" });
    expect(b3.propagators).toEqual(["tracecontext"]);
    expect(b3.warnings).toEqual(["OTEL_PROPAGATORS: only tracecontext and baggage are supported; ignored b3"]);
  });

  test("OTEL_BSP_* reach the batch processor; a bad one is a warning", () => {
    const settings = on({ ...endpoint, OTEL_BSP_SCHEDULE_DELAY: "200", OTEL_BSP_MAX_QUEUE_SIZE: "4096", OTEL_BSP_EXPORT_TIMEOUT: "-1" });
    expect(settings.batch).toEqual({
      scheduledDelayMillis: 200,
      maxQueueSize: 4096,
      maxExportBatchSize: undefined,
      exportTimeoutMillis: undefined,
    });
    expect(settings.warnings).toEqual(["OTEL_BSP_EXPORT_TIMEOUT=-1 is not a positive integer; using the default"]);
  });

  test("a protocol other than http/protobuf is a warning: spans still go as protobuf", () => {
    expect(on({ ...endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf" }).warnings).toEqual([]);
    expect(on({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "grpc" }).warnings).toEqual([
      "OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported; spans are sent as http/protobuf (a collector takes it on 4318)",
    ]);
  });

  test("the endpoint for the log leaves out a credential in the URL; the export URL keeps it", () => {
    const settings = on({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://user:secret@collector.example:4318/v1/traces?token=abc" });
    expect(settings.endpoint).toBe("https://collector.example:4318/v1/traces");
    expect(settings.url).toBe("https://user:secret@collector.example:4318/v1/traces?token=abc");
  });
});
