/**
 * The one place that knows whether the station traces: the tracer, the
 * context manager and the propagator while tracing is on, nothing while it
 * is off. Every helper in src/tracing reads `active.runtime` first and
 * returns at once when it is unset, so a station without OTEL_* settings
 * allocates no span, no context and no carrier on any path.
 *
 * Nothing registers with @opentelemetry/api's globals: the helpers pass the
 * context explicitly, so a test can install and remove a runtime without
 * the API's set-once guards.
 */
import { ROOT_CONTEXT, type TextMapPropagator, type Tracer } from "@opentelemetry/api";
import type { StationContextManager } from "./context-manager.ts";

export interface TraceRuntime {
  tracer: Tracer;
  contexts: StationContextManager;
  propagator: TextMapPropagator;
}

export const active: { runtime: TraceRuntime | undefined } = { runtime: undefined };

/** Installs `runtime` (src/tracing/setup.ts, tests); undefined turns tracing off again. */
export function installRuntime(runtime: TraceRuntime | undefined): void {
  active.runtime = runtime;
}

/** True while spans are recorded: for a caller that would otherwise build something only a span needs. */
export function tracingOn(): boolean {
  return active.runtime !== undefined;
}

/**
 * Runs `fn` outside any trace. For work that outlives the request that
 * started it (a server's stdout reader, a restart timer): started inside a
 * request, it would otherwise carry that request's trace forever.
 */
export function outsideTraces<T>(fn: () => T): T {
  const runtime = active.runtime;
  return runtime ? runtime.contexts.with(ROOT_CONTEXT, fn) : fn();
}
