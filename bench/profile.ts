/**
 * Profiles the station under one workload: `bun bench/profile.ts [echo64|echo1|big16] [count]`.
 * Writes a CPU profile (markdown, grep-friendly) to /tmp/station-prof/.
 */
import { runLoad } from "./lib/load.ts";
import { startStation } from "./lib/procs.ts";
import { createSession, seedCall } from "./lib/station-api.ts";
import { bigLoad, ECHO } from "./workloads.ts";

const which = process.argv[2] ?? "echo64";
const count = Number(process.argv[3] ?? "20000");
process.env.BENCH_STATION_FLAGS ??= "--cpu-prof-md --cpu-prof-dir=/tmp/station-prof --cpu-prof-interval=200";
const station = await startStation();
const sid = await createSession(station.url, ECHO.spec);
const call = seedCall(station.url, sid, which === "big16" ? bigLoad(16 << 20) : ECHO.echo);
const r = await runLoad(call, { concurrency: which === "echo64" ? 64 : 1, count, warmup: 10, timeoutMs: 120_000 });
console.log(which, { rps: r.rps.toFixed(0), p50: r.p50Ms.toFixed(3), p99: r.p99Ms.toFixed(3), errors: r.errors, samples: r.errorSamples });
await station.stop();
