/**
 * `bun run bench`: MCP Station side by side with the direct stdio client (the
 * floor) and the minimal Bun.serve forwarder, in one run; prints a table and
 * writes bench/results/latest.json.
 *
 *   bun run bench                 full counts (a few minutes)
 *   bun run bench -- --quick      small counts, proves it works (CI; also BENCH_QUICK=1)
 *   bun run bench -- --binary     the compiled dist/mcp-station instead of src/index.ts
 *   bun run bench -- --only=echo,big,create,idle,sessions,everything
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { ROOT } from "./lib/procs.ts";
import type { Figures } from "./workloads.ts";
import {
  ECHO,
  EVERYTHING,
  FULL,
  QUICK,
  bigWorkload,
  createWorkload,
  echoWorkload,
  idleWorkload,
  manySessionsWorkload,
} from "./workloads.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const binary = args.includes("--binary");
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice(7)
  .split(",");
const wants = (name: string) => !only || only.includes(name);
const counts = quick ? QUICK : FULL;
const stationOptions = { binary: binary ? join(ROOT, "dist", "mcp-station") : undefined, env: {} as Record<string, string> };

const started = Date.now();
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  bun: Bun.version,
  node: (await Bun.$`node --version`.text()).trim(),
  station: binary ? "dist/mcp-station" : "bun src/index.ts",
  date: new Date().toISOString(),
  quick,
  command: `bun run bench${args.length ? ` -- ${args.join(" ")}` : ""}`,
};
const log = (msg: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const results: Record<string, unknown> = {};
const targets: { name: string; value: number; limit: string; met: boolean }[] = [];
const target = (name: string, value: number, limit: string, met: boolean) => targets.push({ name, value, limit, met });

for (const server of [ECHO, EVERYTHING]) {
  const key = server === ECHO ? "echo" : "everything";
  if (!wants(key)) continue;
  log(`tools/call echo, ${server.name}: c=1 and c=64`);
  const r = await echoWorkload(server, counts, stationOptions);
  results[`echo:${key}`] = r;
  if (server === ECHO) {
    target(
      "c=64 throughput, station / forwarder",
      r.c64.station.rps! / r.c64.forwarder.rps!,
      ">= 0.8",
      r.c64.station.rps! >= 0.8 * r.c64.forwarder.rps!,
    );
    const cpu = r.cpuUsC64.station / r.cpuUsC64.forwarder;
    target("c=64 CPU per request, station / forwarder", cpu, "<= 1.25", cpu <= 1.25);
    const added = r.c1.station.p50Ms! - r.c1.direct.p50Ms!;
    target("c=1 added p50 latency (ms), station - direct", added, "<= 0.1", added <= 0.1);
  }
}
if (wants("sessions")) {
  log("16 sessions x concurrency 8");
  results.sessions16x8 = await manySessionsWorkload(ECHO, counts, stationOptions);
}
if (wants("big")) {
  for (const [mib, n] of [
    [1, counts.big1],
    [16, counts.big16],
  ] as const) {
    log(`${mib} MiB results`);
    const r = await bigWorkload(mib * 1024 * 1024, n, stationOptions);
    results[`big${mib}MiB`] = r;
    if (mib === 16) {
      const ratio = r.station.msPerCall! / r.direct.msPerCall!;
      target("16 MiB result time, station / direct", ratio, "<= 2", ratio <= 2);
      target(
        "16 MiB result RSS rise in one call / message size (median)",
        r.station.callRiseOverMessage,
        "< 4",
        r.station.callRiseOverMessage < 4,
      );
    }
  }
}
if (wants("create")) {
  for (const server of [ECHO, EVERYTHING]) {
    log(`session create, ${server.name}`);
    const pool = JSON.stringify([{ ...server.spec, size: 2 }]);
    const r = await createWorkload(server, counts.creates, stationOptions, { ...stationOptions, env: { MCP_STATION_WARM_POOL: pool } });
    results[`create:${server === ECHO ? "echo" : "everything"}`] = r;
    target(`session create (${server.name}), ms above the server's own start`, r.addedMs, "<= 10", r.addedMs <= 10);
  }
}
if (wants("idle")) {
  log(`${counts.idle} idle sessions`);
  const r = await idleWorkload(counts.idle, stationOptions);
  results.idle = r;
  target("station idle RSS (MB) after its first call", r.firstCallKb / 1024, "< 50", r.firstCallKb / 1024 < 50);
  target(`idle sessions (${r.sessions}), station RSS KB per session`, r.perSessionKb, "<= 200", r.perSessionKb <= 200);
}

// ---- the table ----
const f = (n: number | undefined, digits = 2) => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
const errs = (x: Figures) => (x.errors ? ` (${x.errors} ERR)` : "");
const rows: string[][] = [];
const row = (...cells: string[]) => rows.push(cells);
for (const key of ["echo:echo", "echo:everything"]) {
  const r = results[key] as Awaited<ReturnType<typeof echoWorkload>> | undefined;
  if (!r) continue;
  const name = key === "echo:echo" ? "bench echo" : "server-everything";
  row(
    `${name}: c=1 p50 ms`,
    f(r.c1.direct.p50Ms, 3) + errs(r.c1.direct),
    f(r.c1.forwarder.p50Ms, 3) + errs(r.c1.forwarder),
    f(r.c1.station.p50Ms, 3) + errs(r.c1.station),
    `+${f(r.c1.station.p50Ms! - r.c1.direct.p50Ms!, 3)} ms vs direct`,
  );
  row(`${name}: c=1 p99 ms`, f(r.c1.direct.p99Ms, 3), f(r.c1.forwarder.p99Ms, 3), f(r.c1.station.p99Ms, 3), "");
  row(
    `${name}: c=64 req/s`,
    f(r.c64.direct.rps, 0) + errs(r.c64.direct),
    f(r.c64.forwarder.rps, 0) + errs(r.c64.forwarder),
    f(r.c64.station.rps, 0) + errs(r.c64.station),
    `${f(r.c64.station.rps! / r.c64.forwarder.rps!)}x forwarder`,
  );
  row(
    `${name}: c=64 CPU µs/req`,
    "-",
    f(r.cpuUsC64.forwarder, 1),
    f(r.cpuUsC64.station, 1),
    `${f(r.cpuUsC64.station / r.cpuUsC64.forwarder)}x forwarder`,
  );
  row(
    `${name}: c=64 p99 ms`,
    f(r.c64.direct.p99Ms),
    f(r.c64.forwarder.p99Ms),
    f(r.c64.station.p99Ms),
    `station peak RSS ${f(r.stationPeakKb / 1024, 1)} MB`,
  );
}
const s16 = results.sessions16x8 as Awaited<ReturnType<typeof manySessionsWorkload>> | undefined;
if (s16)
  row(
    "16 sessions x c=8: req/s",
    f(s16.direct.rps, 0) + errs(s16.direct),
    f(s16.forwarder.rps, 0) + errs(s16.forwarder),
    f(s16.station.rps, 0) + errs(s16.station),
    `${f(s16.station.rps! / s16.forwarder.rps!)}x forwarder`,
  );
for (const mib of [1, 16]) {
  const r = results[`big${mib}MiB`] as Awaited<ReturnType<typeof bigWorkload>> | undefined;
  if (!r) continue;
  row(
    `${mib} MiB result: ms/call`,
    f(r.direct.msPerCall, 1) + errs(r.direct),
    f(r.forwarder.msPerCall, 1) + errs(r.forwarder),
    f(r.station.msPerCall, 1) + errs(r.station),
    `${f(r.station.msPerCall! / r.direct.msPerCall!)}x direct`,
  );
  row(
    `${mib} MiB result: MB/s`,
    f(r.direct.mbPerS, 0),
    f(r.forwarder.mbPerS, 0),
    f(r.station.mbPerS, 0),
    `station RSS +${f(r.station.callRiseKb / 1024, 1)} MB in a call (${f(r.station.callRiseOverMessage)}x msg), +${f(r.station.riseKb / 1024, 1)} MB over ${r.station.ok} calls`,
  );
}
for (const key of ["create:echo", "create:everything"]) {
  const r = results[key] as Awaited<ReturnType<typeof createWorkload>> | undefined;
  if (!r) continue;
  row(
    `session create (${r.server}) ms`,
    f(r.directMs, 1),
    "-",
    f(r.stationMs, 1) + (r.errors ? ` (${r.errors} ERR)` : ""),
    `+${f(r.addedMs, 1)} ms; warm pool: ${f(r.pooledMs, 1)} ms`,
  );
}
const idle = results.idle as Awaited<ReturnType<typeof idleWorkload>> | undefined;
if (idle)
  row(
    "station idle RSS: fresh, after a first call",
    "-",
    "-",
    `${f(idle.freshKb / 1024, 1)}, ${f(idle.firstCallKb / 1024, 1)} MB`,
    "1 s after each",
  );
if (idle)
  row(
    `${idle.sessions} idle sessions: station RSS`,
    "-",
    "-",
    `${f(idle.rssBeforeKb / 1024, 1)} -> ${f(idle.rssAfterKb / 1024, 1)} MB`,
    `${f(idle.perSessionKb, 0)} KB/session${idle.errors ? ` (${idle.errors} ERR)` : ""}`,
  );

const header = ["workload", "direct", "forwarder", "station", "station vs reference"];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
const table = [line(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.map(line)].join("\n");
const targetLines = targets.map((t) => `- ${t.met ? "met    " : "MISSED "} ${t.name}: ${f(t.value, 3)} (target ${t.limit})`).join("\n");
const allErrors = JSON.stringify(results).match(/"errors":[1-9]/g)?.length ?? 0;

console.log(
  `\nMCP Station bench — ${machine.cores} cores (${machine.cpu}), Bun ${machine.bun}, node ${machine.node}, station: ${machine.station}`,
);
console.log(`${machine.command}, ${machine.date}${quick ? " (QUICK: small counts, figures are not meaningful)" : ""}\n`);
console.log(table);
console.log(`\nTargets:\n${targetLines}`);
if (allErrors) console.log(`\n${allErrors} figure(s) above carry errors: see errorSamples in bench/results/latest.json`);

mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
// A quick run proves the bench works; it must not replace the full run the README quotes.
const output = quick ? "latest-quick.json" : "latest.json";
writeFileSync(join(ROOT, "bench", "results", output), `${JSON.stringify({ machine, counts, results, targets, table }, null, 2)}\n`);
log(`wrote bench/results/${output}`);
process.exit(allErrors ? 1 : 0);
