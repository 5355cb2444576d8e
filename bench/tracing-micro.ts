/**
 * The tracing helpers of one MCP round trip (src/tracing/round-trip.ts and trace-meta.ts, as
 * server-connection.ts calls them) in a loop, without HTTP or a server: nanoseconds per round trip
 * and the heap objects that grew, with tracing off (the default), on at 100% and on at 1%. Spans go
 * to a batch processor whose exporter drops them, so only the station's side is measured.
 *
 *   bun bench/tracing-micro.ts [round trips]
 *
 * Off must allocate nothing: no span, no context, no carrier, the caller's params passed on as they
 * are. The figures of a run are in docs/performance.md (Tracing).
 */
import { heapStats } from "bun:jsc";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { StationContextManager } from "../src/tracing/context-manager.ts";
import { endRoundTrip, noteRequestId, startRoundTrip } from "../src/tracing/round-trip.ts";
import { installRuntime } from "../src/tracing/runtime.ts";
import { withTraceMeta } from "../src/tracing/trace-meta.ts";

const n = Number(process.argv[2] ?? "1000000");
const params = { name: "echo", arguments: { text: "hi" } };
/** Written by every round trip and read at the end, so the JIT cannot drop the work as dead. */
let sink: unknown;

/** What server-connection.ts does around one request, minus the request. */
function roundTrip(id: number): void {
  const trip = startRoundTrip("tools/call", params, "session", "2025-11-25");
  const sent = trip ? withTraceMeta(params, trip.context) : params;
  noteRequestId(trip, id);
  endRoundTrip(trip, undefined, sent);
  sink = sent;
}

/** The same loop with no tracing code at all: the floor the figures are read against. */
function bare(id: number): void {
  sink = id === -1 ? undefined : params;
}

function measure(label: string, fn: (id: number) => void, count: number): void {
  for (let i = 0; i < 100_000; i++) fn(i);
  Bun.gc(true);
  const before = heapStats().objectTypeCounts;
  const started = Bun.nanoseconds();
  for (let i = 0; i < count; i++) fn(i);
  const ns = (Bun.nanoseconds() - started) / count;
  const after = heapStats().objectTypeCounts;
  // Types that grew by a tenth of the loop or more: allocated per round trip (nothing is collected in between for most).
  const grew = Object.entries(after)
    .map(([type, total]) => [type, total - (before[type] ?? 0)] as const)
    .filter(([, delta]) => delta > count / 10)
    .map(([type, delta]) => `${type} +${delta}`);
  console.log(`${label.padEnd(22)} ${ns.toFixed(0).padStart(6)} ns per round trip   grew: ${grew.join(", ") || "nothing"}`);
}

measure("no tracing code", bare, n);
measure("tracing off", roundTrip, n);
const drop = { export: (_spans: unknown, done: (result: { code: number }) => void) => done({ code: 0 }), shutdown: async () => {} };
for (const [label, root] of [
  ["tracing on, 100%", new AlwaysOnSampler()],
  ["tracing on, 1%", new TraceIdRatioBasedSampler(0.01)],
] as const) {
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root }),
    spanProcessors: [new BatchSpanProcessor({ exporter: drop as never, maxQueueSize: 1 << 16 })],
  });
  installRuntime({
    tracer: provider.getTracer("bench"),
    contexts: new StationContextManager(),
    propagator: new W3CTraceContextPropagator(),
  });
  measure(label, roundTrip, Math.max(1, n / 10));
  installRuntime(undefined);
  await provider.shutdown();
}
if (sink === undefined) console.log("(nothing was sent)");
