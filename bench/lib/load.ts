/**
 * The closed-loop load generator of every bench (bun run bench, bench:peers, ab.ts, profile.ts),
 * and the one rule it holds them to: every request is checked against its answer.
 *
 * `concurrency` workers each send one request at a time through `call(id, deadline)`, for `count`
 * requests or for `durationMs`, after `warmup` unmeasured ones. Each request gets an id unique
 * in the whole process (and a token from `tokenOf(id)` to echo), so a gateway that stalls on
 * repeated ids, or hands callers each other's answers, cannot hide behind fine latencies. A call
 * that fails throws a CallFailure of one kind, counted apart and never in the latencies:
 *   - http:    a status outside 2xx,
 *   - crossed: an answer that is not this request's (someone else's id or token, a wrong one),
 *   - missing: no answer before the deadline, a closed connection or pipe, an unreadable body,
 *   - rpc:     a JSON-RPC error where a result was due.
 * How a call reaches its target is the caller's: HTTP (http-client.ts), a stdio pipe
 * (stdio-client.ts), or a peer's own protocol (bench/peers/http-clients.ts).
 *
 * @example
 *   const run = await runLoad(seedCall(url, sessionId, echoLoad("message")), { concurrency: 64, count: 10_000, warmup: 500 });
 *   const timed = await runLoad(echo, { concurrency: 1, durationMs: 5000 });
 *   run.rps; run.p50Ms; run.p99Ms; run.errors.crossed; run.errorSamples;
 */

export type FailureKind = "http" | "crossed" | "missing" | "rpc";

/** Thrown by a Call when its answer is not the right one, or did not come. */
export class CallFailure extends Error {
  override name = "CallFailure";
  constructor(
    readonly kind: FailureKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * When a request in flight is overdue. A worker keeps one and re-arms it for each request: an
 * AbortSignal and a timer per request took 20% off the direct path's req/s (the floor every other
 * figure is held against); re-arming this costs a few field writes, and one sweep per run finds
 * the overdue ones.
 */
export class Deadline {
  private at = Number.POSITIVE_INFINITY;
  private expired = false;
  private giveUp: (() => void) | undefined;

  /** A deadline of its own, `ms` from now, for a call made outside runLoad. */
  static in(ms: number): Deadline {
    const deadline = new Deadline();
    deadline.arm(ms);
    setTimeout(() => deadline.check(Number.POSITIVE_INFINITY), ms).unref();
    return deadline;
  }

  /** How a Call stops waiting: `giveUp` runs if its request is still unanswered when the deadline passes. */
  onExpiry(giveUp: () => void): void {
    if (this.expired) giveUp();
    else this.giveUp = giveUp;
  }

  arm(ms: number): void {
    this.at = performance.now() + ms;
    this.expired = false;
    this.giveUp = undefined;
  }

  disarm(): void {
    this.at = Number.POSITIVE_INFINITY;
    this.giveUp = undefined;
  }

  /** Gives the request up if its deadline has passed by `now`. */
  check(now: number): void {
    if (now < this.at) return;
    const giveUp = this.giveUp;
    this.disarm();
    this.expired = true;
    giveUp?.();
  }
}

/** Sends request `id` and resolves only once its own answer has come and passed the check; rejects once `deadline` passes. */
export type Call = (id: number, deadline: Deadline) => Promise<void>;

export interface LoadOptions {
  concurrency: number;
  /** Measured requests; or, instead, */
  count?: number;
  /** how long the measured phase runs. */
  durationMs?: number;
  /** Unmeasured requests sent first (same checks; failures counted in warmupErrors). */
  warmup?: number;
  /** A request with no answer after this long is counted missing. Default 30 s. */
  timeoutMs?: number;
}

export type LoadErrors = Record<FailureKind, number> & { total: number };

export interface LoadResult {
  concurrency: number;
  /** Length of the measured phase. */
  durationMs: number;
  ok: number;
  /** Successful answers per second over the measured phase. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  errors: LoadErrors;
  warmupErrors: number;
  /** The first few failures, verbatim, so a count is never shown without its cause. */
  errorSamples: string[];
}

let lastId = 0;
/** Ids stay unique across the whole process, so no two requests anywhere in a run share one. */
export const freshId = (): number => ++lastId;

const RUN = Math.random().toString(36).slice(2, 10);
/** The text request `id` asks to be echoed: unique to the request, and to this run of the bench. */
export const tokenOf = (id: number): string => `${RUN}-${id}`;

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The text of an echo tool's result: content[0].text. */
export function echoedText(result: unknown): unknown {
  const content = (result as { content?: { text?: unknown }[] } | undefined)?.content;
  return Array.isArray(content) ? content[0]?.text : undefined;
}

/** The tool call a load sends: what request `id` asks for, and whether a result is that request's answer. */
export interface ToolLoad {
  params(id: number): { name: string; arguments: Record<string, unknown> };
  accept(result: unknown, id: number): boolean;
}

/** The echo tool asked to echo request `id`'s token under `argument`; `echoed` is what it answers for a token. */
export function echoLoad(argument: string, echoed: (token: string) => string = (token) => token): ToolLoad {
  return {
    params: (id) => ({ name: "echo", arguments: { [argument]: tokenOf(id) } }),
    accept: (result, id) => echoedText(result) === echoed(tokenOf(id)),
  };
}

export interface RpcAnswer {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/** Throws unless `answer` is the result of request `id`: a JSON-RPC error is rpc, someone else's result crossed. */
export function checkAnswer(answer: RpcAnswer, tool: ToolLoad, id: number): void {
  if (answer.error) throw new CallFailure("rpc", `id ${id}: ${answer.error.code} ${answer.error.message}`);
  if (!tool.accept(answer.result, id))
    throw new CallFailure(
      "crossed",
      `id ${id}: not its answer: ${JSON.stringify(echoedText(answer.result) ?? answer.result)?.slice(0, 200)}`,
    );
}

/** Runs the load and returns its figures. Never throws for a failed request: it is counted. */
export async function runLoad(call: Call, options: LoadOptions): Promise<LoadResult> {
  const { concurrency, warmup = 0, timeoutMs = 30_000 } = options;
  const errors: LoadErrors = { http: 0, crossed: 0, missing: 0, rpc: 0, total: 0 };
  const errorSamples: string[] = [];
  let latencies = new Float64Array(options.count ?? 1 << 16);
  let ok = 0;
  let warmupErrors = 0;

  const deadlines = Array.from({ length: concurrency }, () => new Deadline());
  const sweep = setInterval(
    () => {
      const now = performance.now();
      for (const deadline of deadlines) deadline.check(now);
    },
    Math.max(5, Math.min(100, timeoutMs / 4)),
  );
  // One loop per worker, the request inline: a function call and its promise per request were a
  // measurable share of the direct path's cost.
  const phase = (more: () => boolean, measure: boolean) =>
    Promise.all(
      deadlines.map(async (deadline) => {
        while (more()) {
          const sent = performance.now();
          deadline.arm(timeoutMs);
          try {
            await call(freshId(), deadline);
            if (!measure) continue;
            if (ok === latencies.length) {
              const grown = new Float64Array(latencies.length * 2);
              grown.set(latencies);
              latencies = grown;
            }
            latencies[ok++] = performance.now() - sent;
          } catch (error) {
            const kind: FailureKind = error instanceof CallFailure ? error.kind : "missing";
            if (measure) {
              errors[kind]++;
              errors.total++;
            } else warmupErrors++;
            if (errorSamples.length < 5) errorSamples.push(`${kind}: ${(error as Error).message}`.slice(0, 300));
          } finally {
            deadline.disarm();
          }
        }
      }),
    );

  let warmed = 0;
  await phase(() => warmed++ < warmup, false);
  const started = performance.now();
  let issued = 0;
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const stopAt = started + (options.durationMs ?? Number.POSITIVE_INFINITY);
  const timed = options.durationMs !== undefined;
  await phase(() => issued++ < count && (!timed || performance.now() < stopAt), true);
  const elapsed = performance.now() - started;
  clearInterval(sweep);

  const sorted = latencies.subarray(0, ok).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    concurrency,
    durationMs: Math.round(elapsed),
    ok,
    rps: (ok / elapsed) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: ok ? sum / ok : Number.NaN,
    maxMs: ok ? sorted[ok - 1]! : Number.NaN,
    errors,
    warmupErrors,
    errorSamples,
  };
}
