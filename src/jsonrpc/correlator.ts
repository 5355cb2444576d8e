/**
 * The correlator maps the ids the station puts on the stdio stream to the
 * callers waiting for them, and owns each request's deadline.
 *
 * Station ids are integers from one counter per connection, so concurrent
 * callers that use the same (or no) client id never receive each other's
 * answers. A deadline may be pushed back by progress, but never past the
 * request's maximum.
 *
 * Deadlines are kept with one timer per correlator, armed for the earliest of
 * them, not one per request: a busy session's requests share a timeout, so a
 * new one is never due before the timer and arms nothing, and the timer fires
 * about once per timeout to expire what is due and re-arm (a setTimeout and a
 * clearTimeout per request were 1.7% of a busy /mcp/request, bench/profile.ts).
 */
import { RequestTimeout } from "../errors.ts";
import type { JsonRpcResponse } from "./messages.ts";

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface Deadline {
  /** Time allowed without news from the server; Infinity: none (a long-lived request such as subscriptions/listen). */
  timeoutMs: number;
  /** Progress may extend the deadline, but never past start + maxMs. */
  maxMs?: number;
}

interface Pending {
  method: string;
  startedAt: number;
  timeoutMs: number;
  hardLimit: number;
  expiresAt: number;
  /** The caller takes a large result as RawJson (raw-json.ts). */
  raw: boolean;
  resolve(response: JsonRpcResponse): void;
  reject(error: Error): void;
}

/** Some servers echo ids back as strings; station ids are integers, so "7" can only mean 7. */
function toStationId(id: string): number | undefined {
  return /^[1-9]\d{0,15}$/.test(id) ? Number(id) : undefined;
}

export class Correlator {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private rawCallers = 0;
  /** The one deadline timer, armed for `timerAt` (Infinity: none armed). */
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    /** Called when a deadline passes, after the caller was failed: send notifications/cancelled here. */
    private readonly onExpired: (id: number, method: string) => void = () => {},
    private readonly clock: Clock = systemClock,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(id: number): boolean {
    return this.pending.has(id);
  }

  /** Whether some pending caller takes raw results: if none does, a large line is not worth scanning. */
  get anyRaw(): boolean {
    return this.rawCallers > 0;
  }

  /** Whether the caller waiting on `id` (a station id, or one echoed back as a string) takes a raw result. */
  wantsRaw(id: number | string): boolean {
    return this.pending.get(typeof id === "string" ? (toStationId(id) ?? -1) : id)?.raw === true;
  }

  /** Registers a request and returns the station id to send it under. */
  open(method: string, deadline: Deadline, options: { raw?: boolean } = {}): { id: number; response: Promise<JsonRpcResponse> } {
    const id = this.nextId++;
    const now = this.clock.now();
    let entry!: Pending;
    const response = new Promise<JsonRpcResponse>((resolve, reject) => {
      entry = {
        method,
        startedAt: now,
        timeoutMs: deadline.timeoutMs,
        hardLimit: now + Math.max(deadline.maxMs ?? deadline.timeoutMs, deadline.timeoutMs),
        expiresAt: now + deadline.timeoutMs,
        raw: options.raw === true,
        resolve,
        reject,
      };
    });
    this.pending.set(id, entry);
    // A request with no deadline (Infinity) arms nothing.
    if (entry.expiresAt < this.timerAt) this.arm(entry.expiresAt, now);
    if (entry.raw) this.rawCallers += 1;
    return { id, response };
  }

  /** Delivers a response to its caller. Returns false for an id nobody waits for. */
  settle(response: JsonRpcResponse): boolean {
    const id = typeof response.id === "string" ? toStationId(response.id) : response.id;
    if (typeof id !== "number") return false;
    const entry = this.take(id);
    if (!entry) return false;
    entry.resolve(response);
    return true;
  }

  /** Progress arrived for this request: push its deadline back, within its maximum. */
  extend(id: number): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    const now = this.clock.now();
    const next = Math.min(now + entry.timeoutMs, entry.hardLimit);
    // Later than before, so never before the timer: the sweep that finds it not yet due re-arms for it.
    if (next > entry.expiresAt) entry.expiresAt = next;
  }

  /** Fails one pending request with a local error. */
  fail(id: number, error: Error): boolean {
    const entry = this.take(id);
    if (!entry) return false;
    entry.reject(error);
    return true;
  }

  /** Fails every pending request, e.g. when the server died. */
  failAll(error: Error): void {
    for (const id of [...this.pending.keys()]) this.fail(id, error);
  }

  methodOf(id: number): string | undefined {
    return this.pending.get(id)?.method;
  }

  private take(id: number): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    if (entry.raw) this.rawCallers -= 1;
    // Nothing left to expire: no timer outlives the last request.
    if (this.pending.size === 0) this.disarm();
    return entry;
  }

  private arm(at: number, now: number): void {
    this.disarm();
    this.timerAt = at;
    this.timer = this.clock.setTimeout(() => this.sweep(), Math.max(0, at - now));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /** The timer fired: fails every request that is due, then re-arms for the earliest one left. */
  private sweep(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.pending) {
      // A timer can fire a little early on some platforms; wait for the rest rather than fail early.
      if (now < entry.expiresAt - 1) next = Math.min(next, entry.expiresAt);
      else this.expire(id, entry, now);
    }
    if (next < this.timerAt) this.arm(next, now);
  }

  private expire(id: number, entry: Pending, now: number): void {
    this.take(id);
    const waited = Math.round(now - entry.startedAt);
    entry.reject(new RequestTimeout(`${entry.method} got no answer within ${waited} ms`, { method: entry.method, waited_ms: waited }));
    this.onExpired(id, entry.method);
  }
}
