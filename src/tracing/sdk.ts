/**
 * The OpenTelemetry SDK, put together from the settings: a tracer provider
 * with the sampler, a batch span processor, the OTLP/HTTP protobuf exporter
 * (posting to the URL settings.ts derived; it reads OTEL_EXPORTER_OTLP_HEADERS,
 * _TIMEOUT and _COMPRESSION itself),
 * the resource (service.name "mcp-station" unless OTEL_SERVICE_NAME or
 * OTEL_RESOURCE_ATTRIBUTES say otherwise) and the propagators.
 *
 * Loaded only when tracing is on (setup.ts imports it dynamically), so a
 * station that does not trace never evaluates the SDK.
 */
import { diag, DiagLogLevel, type TextMapPropagator } from "@opentelemetry/api";
import { CompositePropagator, setGlobalErrorHandler, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { Logger } from "../log.ts";
import { StationContextManager } from "./context-manager.ts";
import type { TraceRuntime } from "./runtime.ts";
import type { SamplerName, TracingSettings } from "./settings.ts";

export interface Sdk {
  runtime: TraceRuntime;
  /** Sends what is queued; resolves, within STOP_WAIT_MS, even when the collector is unreachable (the failure is logged). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** One log line per minute at most about export failures: a collector that is down must not flood the station's log. */
const FAILURE_LOG_INTERVAL_MS = 60_000;
/**
 * How long a flush or the shutdown waits for the collector. The exporter
 * retries a refused connection for about 8 s: the station's own stop must
 * not wait on that.
 */
const STOP_WAIT_MS = 3000;

export function startSdk(settings: Extract<TracingSettings, { enabled: true }>, log: Logger, version: string): Sdk {
  const report = failureReporter(log);
  setGlobalErrorHandler((error) => report("trace export failed", error));
  diag.setLogger(
    {
      error: (message, ...args) => report(`opentelemetry: ${message}`, args[0]),
      warn: (message, ...args) => report(`opentelemetry: ${message}`, args[0]),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const resource = resourceFromAttributes({ "service.name": "mcp-station", "service.version": version }).merge(
    detectResources({ detectors: [envDetector] }),
  );
  const processor = new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: settings.url }), ...defined(settings.batch) });
  const provider = new TracerProvider({ resource, sampler: samplerOf(settings.sampler), spanProcessors: [processor] });
  const contexts = new StationContextManager();
  const runtime: TraceRuntime = {
    tracer: provider.getTracer("mcp-station", version),
    contexts,
    propagator: propagatorOf(settings.propagators),
  };
  const bounded = (work: Promise<void>, what: string) => {
    let timer: Timer | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        report(`trace ${what} did not finish within ${STOP_WAIT_MS} ms; the spans still queued are dropped`);
        resolve();
      }, STOP_WAIT_MS);
      timer.unref();
    });
    const done = work.catch((error) => report("trace export failed", error));
    return Promise.race([done, late]).finally(() => clearTimeout(timer));
  };
  return {
    runtime,
    flush: () => bounded(provider.forceFlush(), "flush"),
    shutdown: () => bounded(provider.shutdown(), "shutdown").finally(() => contexts.disable()),
  };
}

export function samplerOf({ name, ratio }: { name: SamplerName; ratio: number }): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(ratio);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function propagatorOf(names: string[]): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  if (names.includes("tracecontext")) propagators.push(new W3CTraceContextPropagator());
  if (names.includes("baggage")) propagators.push(new W3CBaggagePropagator());
  return new CompositePropagator({ propagators });
}

/**
 * Export failures reach the SDK's global error handler, its diag log and a
 * rejected flush: all go to the station's log as one line a minute at most,
 * with how many were left out, so a collector that is down cannot flood it.
 */
function failureReporter(log: Logger): (message: string, error?: unknown) => void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (message, error) => {
    const now = performance.now();
    if (now - lastLogged < FAILURE_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    lastLogged = now;
    log.warn(message, { error: error === undefined ? undefined : describe(error), suppressed });
    suppressed = 0;
  };
}

/** What went wrong, in a line: the SDK hands over Errors, arrays of them, and bare objects from the HTTP client. */
function describe(error: unknown): string {
  if (Array.isArray(error)) return error.map(describe).join("; ");
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message || (typeof code === "string" ? code : error.name);
  }
  if (error && typeof error === "object") {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof message === "string" && message) return message;
    if (typeof code === "string") return code;
  }
  return String(error);
}

function defined<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
