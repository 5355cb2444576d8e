import { describe, expect, test } from "bun:test";
import { type Clock, Correlator } from "../../src/jsonrpc/correlator.ts";
import { RequestTimeout } from "../../src/errors.ts";

/** A clock the test moves by hand: deadlines fire only when time is advanced. */
function fakeClock() {
  let now = 0;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.set(++seq, { at: now + ms, fn });
      return seq;
    },
    clearTimeout: (h) => timers.delete(h as number),
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, timer] of [...timers].sort((a, b) => a[1].at - b[1].at)) {
      if (timer.at <= now && timers.has(id)) {
        timers.delete(id);
        timer.fn();
      }
    }
  };
  return { clock, advance, pendingTimers: () => timers.size };
}

describe("Correlator", () => {
  test("gives every request its own id and settles each with its own response", async () => {
    const { clock } = fakeClock();
    const c = new Correlator(() => {}, clock);
    const a = c.open("tools/call", { timeoutMs: 1000 });
    const b = c.open("tools/call", { timeoutMs: 1000 });
    expect(a.id).not.toBe(b.id);
    c.settle({ jsonrpc: "2.0", id: b.id, result: "B" });
    c.settle({ jsonrpc: "2.0", id: a.id, result: "A" });
    expect(await a.response).toMatchObject({ result: "A" });
    expect(await b.response).toMatchObject({ result: "B" });
    expect(c.size).toBe(0);
  });

  test("a response for an unknown id matches nothing", () => {
    const c = new Correlator(() => {}, fakeClock().clock);
    expect(c.settle({ jsonrpc: "2.0", id: 99, result: null })).toBe(false);
    expect(c.settle({ jsonrpc: "2.0", id: "1", result: null })).toBe(false);
  });

  test("the deadline fails the caller and reports the expired id", async () => {
    const { clock, advance } = fakeClock();
    const expired: number[] = [];
    const c = new Correlator((id) => expired.push(id), clock);
    const a = c.open("tools/call", { timeoutMs: 500 });
    advance(499);
    expect(c.has(a.id)).toBe(true);
    advance(1);
    await expect(a.response).rejects.toBeInstanceOf(RequestTimeout);
    expect(expired).toEqual([a.id]);
    // A late answer after the deadline goes nowhere.
    expect(c.settle({ jsonrpc: "2.0", id: a.id, result: 1 })).toBe(false);
  });

  test("progress extends the deadline, but never past the maximum", async () => {
    const { clock, advance } = fakeClock();
    const c = new Correlator(() => {}, clock);
    const a = c.open("tools/call", { timeoutMs: 100, maxMs: 250 });
    advance(90);
    c.extend(a.id); // now due at 190
    advance(90);
    expect(c.has(a.id)).toBe(true);
    c.extend(a.id); // would be 280, capped at 250
    advance(60);
    expect(c.has(a.id)).toBe(true);
    advance(10);
    await expect(a.response).rejects.toBeInstanceOf(RequestTimeout);
  });

  test("failAll fails every pending request at once and clears the timers", async () => {
    const { clock, pendingTimers } = fakeClock();
    const c = new Correlator(() => {}, clock);
    const a = c.open("x", { timeoutMs: 1000 });
    const b = c.open("y", { timeoutMs: 1000 });
    c.failAll(new Error("server died"));
    await expect(a.response).rejects.toThrow("server died");
    await expect(b.response).rejects.toThrow("server died");
    expect(pendingTimers()).toBe(0);
  });

  test("a request with no deadline (Infinity) gets no timer and never expires, even when progress arrives", async () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const expired: number[] = [];
    const c = new Correlator((id) => expired.push(id), clock);
    const listen = c.open("subscriptions/listen", { timeoutMs: Number.POSITIVE_INFINITY });
    expect(pendingTimers()).toBe(0);
    c.extend(listen.id);
    advance(365 * 24 * 3600 * 1000);
    expect(expired).toEqual([]);
    expect(c.has(listen.id)).toBe(true);
    c.settle({ jsonrpc: "2.0", id: listen.id, result: {} });
    expect(await listen.response).toMatchObject({ result: {} });
  });

  test("one timer serves every deadline: each request still expires at its own time, a shorter one after a longer one too", async () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const expired: number[] = [];
    const c = new Correlator((id) => expired.push(id), clock);
    const long = c.open("a", { timeoutMs: 300 });
    const later = c.open("b", { timeoutMs: 300 });
    advance(50);
    const short = c.open("c", { timeoutMs: 100 });
    const same = c.open("d", { timeoutMs: 300 });
    const failures = [long, later, short, same].map((r) => r.response.catch((error) => error));
    expect(pendingTimers()).toBe(1);
    advance(99);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual([short.id]);
    advance(149);
    expect(expired).toEqual([short.id]);
    advance(1);
    expect(expired).toEqual([short.id, long.id, later.id]);
    expect(c.has(same.id)).toBe(true);
    expect(pendingTimers()).toBe(1);
    advance(50);
    expect(expired).toEqual([short.id, long.id, later.id, same.id]);
    for (const failure of await Promise.all(failures)) expect(failure).toBeInstanceOf(RequestTimeout);
    expect(pendingTimers()).toBe(0);
  });

  test("the timer goes when the last pending request is answered, and comes back with the next one", async () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const c = new Correlator(() => {}, clock);
    const a = c.open("x", { timeoutMs: 1000 });
    const b = c.open("y", { timeoutMs: 1000 });
    c.settle({ jsonrpc: "2.0", id: a.id, result: 1 });
    expect(pendingTimers()).toBe(1);
    c.settle({ jsonrpc: "2.0", id: b.id, result: 2 });
    expect(pendingTimers()).toBe(0);
    const d = c.open("z", { timeoutMs: 10 });
    expect(pendingTimers()).toBe(1);
    advance(10);
    await expect(d.response).rejects.toBeInstanceOf(RequestTimeout);
  });

  test("a timer that fires early expires nothing before its time", async () => {
    let now = 0;
    let fire: (() => void) | undefined;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn) => {
        fire = fn;
        return 1;
      },
      clearTimeout: () => {},
    };
    const c = new Correlator(() => {}, clock);
    const a = c.open("x", { timeoutMs: 100 });
    now = 90;
    fire!();
    expect(c.has(a.id)).toBe(true);
    now = 100;
    fire!();
    await expect(a.response).rejects.toBeInstanceOf(RequestTimeout);
  });
});
