/**
 * A closed-loop load generator that checks every answer. Each request gets its own JSON-RPC id and
 * its own token; the caller checks that the answer it got is the one for that request. A crossed
 * answer (someone else's token or id), a missing one (network error, timeout, unreadable body), a
 * non-2xx status or a JSON-RPC error is counted by kind and never enters the latency figures.
 *
 * Why not one fixed body: a gateway that stalls on repeated ids, or hands callers each other's
 * answers under concurrency, still shows fine latencies to a generator that never looks.
 *
 * @example
 *   const run = await runLoad(echoCall, { concurrency: 64, durationMs: 5000, label: "station" });
 *   run.rps; run.p50Ms; run.errors.crossed;
 */

export type FailureKind = "http" | "crossed" | "missing" | "rpc";

/** Thrown by an EchoCall when the answer is not the right one. */
export class CallFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Sends one echo of `token` under JSON-RPC id `id`; resolves only when the answer carries that token (and id, where the protocol returns one). */
export type EchoCall = (token: string, id: number, signal: AbortSignal) => Promise<void>;

export interface LoadOptions {
  concurrency: number;
  durationMs: number;
  label: string;
  /** A request that has no answer after this long is counted missing. */
  requestTimeoutMs?: number;
}

export interface LoadRun {
  concurrency: number;
  durationMs: number;
  ok: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  errors: Record<FailureKind, number> & { total: number };
  /** The first few failures, verbatim, so a count is never shown without its cause. */
  errorSamples: string[];
}

let nextId = 1;
/** Ids stay unique across the whole process, so no two requests anywhere in a run share one. */
export const freshId = (): number => nextId++;

export function freshToken(label: string, id: number): string {
  return `${label}-${id}-${Math.random().toString(36).slice(2, 10)}`;
}

function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export async function runLoad(call: EchoCall, options: LoadOptions): Promise<LoadRun> {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  let latencies = new Float64Array(1 << 16);
  let ok = 0;
  const errors = { http: 0, crossed: 0, missing: 0, rpc: 0, total: 0 };
  const errorSamples: string[] = [];
  const start = performance.now();
  const stopAt = start + options.durationMs;

  const worker = async () => {
    while (performance.now() < stopAt) {
      const id = freshId();
      const token = freshToken(options.label, id);
      const sent = performance.now();
      try {
        await call(token, id, AbortSignal.timeout(timeoutMs));
        const took = performance.now() - sent;
        if (ok === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[ok++] = took;
      } catch (error) {
        const kind: FailureKind = error instanceof CallFailure ? error.kind : "missing";
        errors[kind]++;
        errors.total++;
        if (errorSamples.length < 5) errorSamples.push(`${kind}: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - start;
  const sorted = latencies.slice(0, ok).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    concurrency: options.concurrency,
    durationMs: Math.round(elapsed),
    ok,
    rps: (ok / elapsed) * 1000,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    meanMs: ok ? sum / ok : Number.NaN,
    errors,
    errorSamples,
  };
}
