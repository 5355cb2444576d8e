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
import { runLoad } from "./lib/load.ts";
import { startStation } from "./lib/procs.ts";
import { alternateRounds, median, type RoundTarget } from "./lib/rounds.ts";
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

async function station(name: string, env: Record<string, string>): Promise<RoundTarget> {
  const running = await startStation({ env });
  const call = seedCall(running.url, await createSession(running.url, ECHO.spec), ECHO.echo);
  await runLoad(call, { concurrency: 1, count: 1 });
  return { name, running, call };
}

const targets: RoundTarget[] = [
  await station("off", {}),
  await station("on 100%", { ...exporting, OTEL_TRACES_SAMPLER: "parentbased_always_on" }),
  await station("on 1%", { ...exporting, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" }),
];

const runs = await alternateRounds(targets, rounds, count);

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
