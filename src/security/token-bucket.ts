/**
 * A token bucket per tenant: `ratePerMinute` tokens refill evenly, up to
 * `burst`. Each request takes one; an empty bucket says how long to wait.
 * Small enough to own: no Elysia rate-limit plugin keys by our tenant.
 *
 * @example
 *   const buckets = new TokenBuckets(60, 10);
 *   buckets.take("team-a")   // { ok: true } or { ok: false, retryAfterS: 1 }
 */

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perMs: number;

  constructor(
    ratePerMinute: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.perMs = ratePerMinute / 60_000;
  }

  take(key: string): { ok: true } | { ok: false; retryAfterS: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - bucket.tokens) / this.perMs / 1000)) };
  }

  /** Forgets buckets that have refilled: they hold nothing a fresh one would not. */
  prune(): void {
    const now = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
  }
}
