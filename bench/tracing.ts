/**
 * What tracing costs on the hot path: three stations side by side on the bench echo server, alternated
 * `rounds` times at concurrency 64 and 1 as bench/ab.ts does: tracing off (no OTEL_* variable, the
 * default), on at 100% (parentbased_always_on) and on at 1% (parentbased_traceidratio 0.01), both
 * exporting OTLP/HTTP protobuf to a sink on loopback that answers at once. Each request comes without
 * a traceparent, so the station's sampler decides. Reported: medians of req/s, CPU µs per request
 * (the station's process, from /proc) and c=1 p50, each against tracing off; and what reached the sink.
 *
 *   bun bench/tracing.ts [rounds] [count]
 *   bun bench/tracing.ts 7 10000
 */
import { type Call, runLoad } from "./lib/load.ts";
import { cpuMsOf, type Running, startStation } from "./lib/procs.ts";
import { createSession, seedCall } from "./lib/station-api.ts";
import { ECHO } from "./workloads.ts";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const rounds = Number(positional[0] ?? "5");
const count = Number(positional[1] ?? "10000");

/** A collector that takes everything and keeps only counts: the bench measures the station, not a collector. */
const sink = { requests: 0, bytes: 0 };
const collector = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  async fetch(request) {
    sink.requests++;
    sink.bytes += (await request.arrayBuffer()).byteLength;
    return new Response(new Uint8Array(0), { headers: { "content-type": "application/x-protobuf" } });
  },
});
const exporting = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.port}` };

interface Target {
  name: string;
  running: Running;
  call: Call;
}

async function station(name: string, env: Record<string, string>): Promise<Target> {
  const running = await startStation({ env });
  const call = seedCall(running.url, await createSession(running.url, ECHO.spec), ECHO.echo);
  await runLoad(call, { concurrency: 1, count: 1 });
  return { name, running, call };
}

const load = async (target: Target, concurrency: number, n: number) => {
  const cpu0 = cpuMsOf(target.running.pid);
  const r = await runLoad(target.call, { concurrency, count: n, warmup: 200 });
  return { rps: r.rps, p50Ms: r.p50Ms, errors: r.errors.total, cpuUs: ((cpuMsOf(target.running.pid) - cpu0) * 1000) / (n + 200) };
};

const targets: Target[] = [
  await station("off", {}),
  await station("on 100%", { ...exporting, OTEL_TRACES_SAMPLER: "parentbased_always_on" }),
  await station("on 1%", { ...exporting, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }),
];

type Figures = Awaited<ReturnType<typeof load>>;
const runs = new Map<string, { c64: Figures[]; c1: Figures[] }>(targets.map((t) => [t.name, { c64: [], c1: [] }]));
for (let r = 0; r < rounds; r++) {
  // Each round in another order, so no target always runs right after the same neighbour.
  const order = r % 2 === 0 ? targets : [...targets].reverse();
  for (const t of order) runs.get(t.name)!.c64.push(await load(t, 64, count));
  for (const t of order) runs.get(t.name)!.c1.push(await load(t, 1, count / 5));
  const line = targets.map((t) => {
    const { c64, c1 } = runs.get(t.name)!;
    return `${t.name} ${c64[r].rps.toFixed(0)} req/s ${c64[r].cpuUs.toFixed(1)} µs c=1 p50 ${c1[r].p50Ms.toFixed(3)}`;
  });
  console.log(`round ${r + 1}: ${line.join(" | ")}`);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const off = runs.get("off")!;
const offRps = median(off.c64.map((f) => f.rps));
const offCpu = median(off.c64.map((f) => f.cpuUs));
const offP50 = median(off.c1.map((f) => f.p50Ms));
console.log(`\nmedians of ${rounds} rounds (${count} requests at c=64, ${count / 5} at c=1 each):`);
for (const t of targets) {
  const { c64, c1 } = runs.get(t.name)!;
  const rps = median(c64.map((f) => f.rps));
  const cpu = median(c64.map((f) => f.cpuUs));
  const p50 = median(c1.map((f) => f.p50Ms));
  const errors = [...c64, ...c1].reduce((n, f) => n + f.errors, 0);
  console.log(
    `${t.name.padEnd(8)} c=64 ${rps.toFixed(0)} req/s (${(rps / offRps).toFixed(2)}x off), ${cpu.toFixed(1)} µs/req (${(cpu / offCpu).toFixed(2)}x off) | c=1 p50 ${p50.toFixed(3)} ms (${(p50 / offP50).toFixed(2)}x off) | errors ${errors}`,
  );
}
for (const t of targets) await t.running.stop();
console.log(`the sink received ${sink.requests} export requests, ${(sink.bytes / 1e6).toFixed(1)} MB`);
collector.stop(true);
