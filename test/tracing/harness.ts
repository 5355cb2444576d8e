/**
 * A tracing runtime for unit tests: the station's own context manager and
 * W3C propagators, and an in-memory exporter behind a simple processor, so a
 * test reads every finished span at once, without a collector.
 *
 * @example
 *   const traces = installTestTracing();
 *   // ... code under test ...
 *   expect(traces.spans().map((s) => s.name)).toEqual(["tools/call echo"]);
 *   traces.uninstall();
 */
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { InMemorySpanExporter, type ReadableSpan, type Sampler, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { StationContextManager } from "../../src/tracing/context-manager.ts";
import { installRuntime } from "../../src/tracing/runtime.ts";

export interface TestTracing {
  spans(): ReadableSpan[];
  /** The one finished span called `name`; fails when there is none or more than one. */
  span(name: string): ReadableSpan;
  contexts: StationContextManager;
  reset(): void;
  uninstall(): void;
}

export function installTestTracing(sampler?: Sampler): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contexts = new StationContextManager();
  installRuntime({
    tracer: provider.getTracer("test"),
    contexts,
    propagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  });
  return {
    spans: () => exporter.getFinishedSpans(),
    span(name) {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1)
        throw new Error(`expected one span "${name}", found ${found.length}: ${exporter.getFinishedSpans().map((s) => s.name)}`);
      return found[0];
    },
    contexts,
    reset: () => exporter.reset(),
    uninstall() {
      installRuntime(undefined);
      contexts.disable();
    },
  };
}

/** `00-<trace>-<span>-01`, the traceparent of a sampled caller. */
export const CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
export const CALLER_SPAN = "b7ad6b7169203331";
export const CALLER_TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
