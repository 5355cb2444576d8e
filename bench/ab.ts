/**
 * A quick side-by-side for hot-path work: the forwarder and the station,
 * alternated `rounds` times at concurrency 64 and 1 on the bench echo server.
 *   bun bench/ab.ts [rounds] [count]
 */
import { type Call, runLoad } from "./lib/load.ts";
import { cpuMsOf, type Running, startForwarder, startStation } from "./lib/procs.ts";
import { createSession, seedCall } from "./lib/station-api.ts";
import { ECHO } from "./workloads.ts";

const rounds = Number(process.argv[2] ?? "3");
const count = Number(process.argv[3] ?? "10000");
const load = async (target: Running, call: Call, concurrency: number, n: number) => {
  const cpu0 = cpuMsOf(target.pid);
  const r = await runLoad(call, { concurrency, count: n, warmup: 200 });
  return { ...r, cpuUs: ((cpuMsOf(target.pid) - cpu0) * 1000) / (n + 200) };
};
const forwarder = await startForwarder(1, ECHO.argv);
const station = await startStation();
const viaForwarder = seedCall(forwarder.url, "0", ECHO.echo);
const viaStation = seedCall(station.url, await createSession(station.url, ECHO.spec), ECHO.echo);
for (let r = 0; r < rounds; r++) {
  const f64 = await load(forwarder, viaForwarder, 64, count);
  const s64 = await load(station, viaStation, 64, count);
  const f1 = await load(forwarder, viaForwarder, 1, count / 5);
  const s1 = await load(station, viaStation, 1, count / 5);
  console.log(
    `c=64 fwd ${f64.rps.toFixed(0)} st ${s64.rps.toFixed(0)} ratio ${(s64.rps / f64.rps).toFixed(2)} cpu µs/req fwd ${f64.cpuUs.toFixed(0)} st ${s64.cpuUs.toFixed(0)} | c=1 p50 fwd ${f1.p50Ms.toFixed(3)} st ${s1.p50Ms.toFixed(3)} | errors ${f64.errors.total + s64.errors.total + f1.errors.total + s1.errors.total}`,
  );
}
await forwarder.stop();
await station.stop();
