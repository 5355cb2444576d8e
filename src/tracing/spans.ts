/**
 * The span primitives the station's helpers share: start a span under a
 * parent (the active context unless one is given), run code with it active,
 * and end it with its outcome. Each returns at once, allocating nothing,
 * while tracing is off. (The active ids for the log are in log-ids.ts, which
 * imports nothing of the station.)
 *
 * @example
 *   const scope = startSpan("session start", SpanKind.INTERNAL, { "mcp.session.id": id });
 *   await traced(scope, () => work());   // work() runs with the span active; the span ends with its outcome
 */
import { type Attributes, type Context, type Link, type Span, type SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { RemoteError, StationError } from "../errors.ts";
import { ATTR } from "./attributes.ts";
import { active } from "./runtime.ts";

/** A started span and the context in which it is the active one. */
export interface Scope {
  span: Span;
  context: Context;
}

export function startSpan(name: string, kind: SpanKind, attributes: Attributes, parent?: Context, links?: Link[]): Scope | undefined {
  const runtime = active.runtime;
  if (!runtime) return undefined;
  const base = parent ?? runtime.contexts.active();
  // Attributes after the sampling decision: the station's samplers never read them, and handing them to the
  // SDK for a span sampled out cost 2.3 µs of a 3.7 µs span under Bun (the micro-benchmark in bench/tracing-micro.ts).
  const span = runtime.tracer.startSpan(name, { kind, links }, base);
  if (span.isRecording()) span.setAttributes(attributes);
  return { span, context: trace.setSpan(base, span) };
}

/** Runs `fn` with the scope's span active, so the spans and log lines it makes belong to it. */
export function inScope<T>(scope: Scope | undefined, fn: () => T): T {
  const runtime = active.runtime;
  return scope && runtime ? runtime.contexts.with(scope.context, fn) : fn();
}

/**
 * Runs `fn` with the scope's span active and ends the span with its outcome.
 * For work that is not on a per-request path: it allocates a closure even
 * while tracing is off.
 */
export async function traced<T>(scope: Scope | undefined, fn: (scope: Scope | undefined) => Promise<T>): Promise<T> {
  if (!scope) return fn(undefined);
  try {
    const result = await inScope(scope, () => fn(scope));
    endScope(scope);
    return result;
  } catch (error) {
    endScope(scope, error);
    throw error;
  }
}

/**
 * Ends the span; with an error, sets `error.type` and the ERROR status. The
 * status description is the error's type, never its message: a message may
 * carry a server's stderr or repeat a caller's arguments.
 */
export function endScope(scope: Scope | undefined, error?: unknown): void {
  if (!scope) return;
  if (error !== undefined) failSpan(scope.span, errorTypeOf(error));
  scope.span.end();
}

export function failSpan(span: Span, type: string): void {
  span.setAttribute(ATTR.errorType, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/**
 * `error.type` after the conventions: a JSON-RPC error's code as a string, a
 * station error's type (`request_timeout`, `server_exited`, …), else the
 * error's class name, else `_OTHER`.
 */
export function errorTypeOf(error: unknown): string {
  if (error instanceof RemoteError) return String(error.code);
  if (error instanceof StationError) return error.type;
  if (error instanceof Error && error.name && error.name !== "Error") return error.name;
  return "_OTHER";
}
