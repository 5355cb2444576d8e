/**
 * Side-by-side runs on a shared machine: every target measured in each round, the rounds alternating
 * their order, so that other work coming and going hits all targets alike (bench/ab.ts, bench/tracing.ts).
 * Quote the medians over the rounds, not any one round.
 */
import { type Call, runLoad } from "./load.ts";
import { cpuMsOf, type Running } from "./procs.ts";

export interface RoundTarget {
  name: string;
  running: Running;
  call: Call;
}

export interface RoundFigures {
  rps: number;
  p50Ms: number;
  errors: number;
  /** CPU of the target's own process per request, from /proc. */
  cpuUs: number;
}

export interface TargetRuns {
  c64: RoundFigures[];
  c1: RoundFigures[];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function measure(target: RoundTarget, concurrency: number, n: number): Promise<RoundFigures> {
  const warmup = 200;
  const cpu0 = cpuMsOf(target.running.pid);
  const r = await runLoad(target.call, { concurrency, count: n, warmup });
  return { rps: r.rps, p50Ms: r.p50Ms, errors: r.errors.total, cpuUs: ((cpuMsOf(target.running.pid) - cpu0) * 1000) / (n + warmup) };
}

/** `rounds` rounds of `count` requests at c=64 and count/5 at c=1 per target; one line printed per round. */
export async function alternateRounds(targets: RoundTarget[], rounds: number, count: number): Promise<Map<string, TargetRuns>> {
  const runs = new Map<string, TargetRuns>(targets.map((t) => [t.name, { c64: [], c1: [] }]));
  for (let r = 0; r < rounds; r++) {
    // Each round in another order, so no target always runs right after the same neighbour.
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const t of order) runs.get(t.name)!.c64.push(await measure(t, 64, count));
    for (const t of order) runs.get(t.name)!.c1.push(await measure(t, 1, count / 5));
    const line = targets.map((t) => {
      const { c64, c1 } = runs.get(t.name)!;
      return `${t.name} ${c64[r]!.rps.toFixed(0)} req/s ${c64[r]!.cpuUs.toFixed(1)} µs c=1 p50 ${c1[r]!.p50Ms.toFixed(3)}`;
    });
    console.log(`round ${r + 1}: ${line.join(" | ")}`);
  }
  return runs;
}
