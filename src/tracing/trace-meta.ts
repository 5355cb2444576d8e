/**
 * Trace context in and out of the station: read from a caller's HTTP
 * headers (`traceparent`, `tracestate`, `baggage`), read from and written to
 * a request's `params._meta`, where the MCP specification (SEP-414) and the
 * OpenTelemetry MCP conventions carry it, unprefixed, so a server on an
 * official SDK joins the caller's trace.
 *
 * @example
 *   withTraceMeta({ name: "echo", arguments: { text: "hi" } }, scope.context)
 *   // -> { name: "echo", arguments: { text: "hi" }, _meta: { traceparent: "00-<trace>-<span>-01" } }
 */
import { type Context, ROOT_CONTEXT, type TextMapGetter, type TextMapSetter, createContextKey } from "@opentelemetry/api";
import { active } from "./runtime.ts";

const fromHeaders: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

const fromMeta: TextMapGetter<Record<string, unknown>> = {
  get: (meta, key) => {
    const value = meta[key];
    return typeof value === "string" ? value : undefined;
  },
  keys: (meta) => Object.keys(meta),
};

const intoRecord: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/**
 * Set in the context of an MCP message the station received and traced
 * (http-span.ts startMcpMessage), whose `_meta` it has read already: the
 * round trips made for it are its children, not siblings under that `_meta`.
 */
export const MESSAGE_TRACED = createContextKey("mcp-station message traced");

/** The caller's context from its HTTP headers; the root context when it sent none (or tracing is off). */
export function contextFromHeaders(headers: Headers): Context {
  const runtime = active.runtime;
  return runtime ? runtime.propagator.extract(ROOT_CONTEXT, headers, fromHeaders) : ROOT_CONTEXT;
}

/** The context a caller put in `params._meta`, or undefined when it put none there. */
export function contextFromMeta(params: Record<string, unknown> | undefined): Context | undefined {
  const runtime = active.runtime;
  const meta = params?._meta;
  if (!runtime || !meta || typeof meta !== "object" || typeof (meta as Record<string, unknown>).traceparent !== "string") return undefined;
  return runtime.propagator.extract(ROOT_CONTEXT, meta as Record<string, unknown>, fromMeta);
}

/**
 * `params` with `context` written into `_meta`. The caller's other `_meta`
 * keys are kept; a `traceparent` and `tracestate` it sent are replaced as a
 * pair by the station's (which descend from them when they were valid), so
 * a server never sees one trace's state beside another's parent. A new
 * object: the caller's params are not touched.
 */
export function withTraceMeta(params: Record<string, unknown> | undefined, context: Context): Record<string, unknown> | undefined {
  const runtime = active.runtime;
  if (!runtime) return params;
  const carrier: Record<string, string> = {};
  runtime.propagator.inject(context, carrier, intoRecord);
  if (carrier.traceparent === undefined) return params;
  const { traceparent: _parent, tracestate: _state, ...callerMeta } = (params?._meta ?? {}) as Record<string, unknown>;
  return { ...params, _meta: { ...callerMeta, ...carrier } };
}
