/**
 * Profiles the station under one workload: `bun bench/profile.ts [echo64|echo1|big16] [count]`.
 * Writes a CPU profile (markdown, grep-friendly) to /tmp/station-prof/.
 */
import { runLoad } from "./lib/load.ts";
import { startStation } from "./lib/procs.ts";
import { ECHO } from "./workloads.ts";

const which = process.argv[2] ?? "echo64";
const count = Number(process.argv[3] ?? "20000");
process.env.BENCH_STATION_FLAGS ??= "--cpu-prof-md --cpu-prof-dir=/tmp/station-prof --cpu-prof-interval=200";
const station = await startStation();
const created = await fetch(`${station.url}/sessions`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(ECHO.spec),
});
const sid = ((await created.json()) as { session_id: string }).session_id;
const big = which === "big16";
const r = await runLoad({
  url: `${station.url}/mcp/request`,
  concurrency: which === "echo64" ? 64 : 1,
  count,
  warmup: 10,
  timeoutMs: 120_000,
  makeRequest: (i) => ({
    body: JSON.stringify({
      session_id: sid,
      method: "tools/call",
      params: big ? { name: "big", arguments: { bytes: 16 << 20, message: `m${i}` } } : { name: "echo", arguments: { message: `m${i}` } },
    }),
    check: (json) => json?.success === true,
  }),
});
console.log(which, { rps: r.rps.toFixed(0), p50: r.p50Ms.toFixed(3), p99: r.p99Ms.toFixed(3), errors: r.errors, samples: r.errorSamples });
await station.stop();
