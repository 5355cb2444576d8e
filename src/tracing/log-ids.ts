/**
 * The ids of the active span, for the station's log lines (src/log.ts), so a
 * line can be found from its trace and a trace from its lines. Imports
 * nothing of the station, so the logger can depend on it.
 *
 * @example
 *   activeTraceIds()   // -> { trace_id: "0af7651916cd43dd8448eb211c80319c", span_id: "b7ad6b7169203331" }, or undefined
 */
import { trace } from "@opentelemetry/api";
import { active } from "./runtime.ts";

/** Undefined when tracing is off or no span is active. */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const runtime = active.runtime;
  if (!runtime) return undefined;
  const span = trace.getSpan(runtime.contexts.active());
  if (!span) return undefined;
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
