/**
 * What a group costs on the hot path: a tools/call through a group session (docs/groups.md) against the
 * same call to a single session of the same server, side by side in one station, alternated `rounds`
 * times at concurrency 64 and 1 as bench/ab.ts does. The group has two members, both the bench echo
 * server, so its call is named, routed back to its member and answered by the same process kind as the
 * single session's. Reported: medians of req/s, CPU µs per request (the station's process, from /proc;
 * the servers' own CPU is not in it) and c=1 p50, each against the single session.
 *
 *   bun bench/groups.ts [rounds] [count]
 *   bun bench/groups.ts 7 10000
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLoad } from "./lib/load.ts";
import { startStation } from "./lib/procs.ts";
import { alternateRounds, median, type RoundTarget } from "./lib/rounds.ts";
import { createSession, seedCall } from "./lib/station-api.ts";
import { ECHO } from "./workloads.ts";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const rounds = Number(positional[0] ?? "5");
const count = Number(positional[1] ?? "10000");

const dir = mkdtempSync(join(tmpdir(), "mcp-station-bench-groups-"));
const serversFile = join(dir, "servers.json");
const server = { command: ECHO.argv[0], args: ECHO.argv.slice(1) };
writeFileSync(
  serversFile,
  JSON.stringify({ mcpServers: { echo: server, echo2: server }, mcpGroups: { pair: { members: ["echo", "echo2"] } } }),
);

const running = await startStation({ env: { MCP_STATION_SERVERS_FILE: serversFile } });
async function target(name: string, spec: object): Promise<RoundTarget> {
  const call = seedCall(running.url, await createSession(running.url, spec), ECHO.echo);
  await runLoad(call, { concurrency: 1, count: 1 });
  return { name, running, call };
}
const targets = [await target("single", { server: "echo" }), await target("group", { server: "pair" })];

const runs = await alternateRounds(targets, rounds, count);
const single = runs.get("single")!;
const base = {
  rps: median(single.c64.map((f) => f.rps)),
  cpu: median(single.c64.map((f) => f.cpuUs)),
  p50: median(single.c1.map((f) => f.p50Ms)),
};
console.log(`\nmedians of ${rounds} rounds (${count} requests at c=64, ${count / 5} at c=1 each):`);
for (const t of targets) {
  const { c64, c1 } = runs.get(t.name)!;
  const rps = median(c64.map((f) => f.rps));
  const cpu = median(c64.map((f) => f.cpuUs));
  const p50 = median(c1.map((f) => f.p50Ms));
  const errors = [...c64, ...c1].reduce((n, f) => n + f.errors, 0);
  console.log(
    `${t.name.padEnd(7)} c=64 ${rps.toFixed(0)} req/s (${(rps / base.rps).toFixed(2)}x single), ${cpu.toFixed(1)} µs/req (+${(cpu - base.cpu).toFixed(1)} µs) | c=1 p50 ${p50.toFixed(3)} ms (+${((p50 - base.p50) * 1000).toFixed(0)} µs) | errors ${errors}`,
  );
}
await running.stop();
rmSync(dir, { recursive: true, force: true });
