/**
 * What the warm pool saves a group's create (docs/groups.md, Warm start): POST /sessions of a group of two
 * members (server-everything and the bench echo server) on a station without a pool ("cold") and on one with
 * MCP_STATION_WARM_POOL naming the group ("warm"), alternated create by create, each followed by its delete.
 * Before each warm create the bench waits for the pool to have refilled (twice the last cold create, plus
 * 200 ms, as bench:create does), and it counts a warm create as served by the pool only when both members'
 * pids were the station's children before the create was sent. For scale, each round also creates the
 * member server-everything alone on the warm station (a single session; the group's warm process of it
 * serves that create too, since the launch is the same). Reported: the medians and the hit counts.
 *
 *   bun bench/group-warm.ts [creates]
 *   bun bench/group-warm.ts 25
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { processTree, startStation, type Running } from "./lib/procs.ts";
import { median } from "./lib/rounds.ts";
import { createSession, deleteSession } from "./lib/station-api.ts";
import { ECHO, EVERYTHING } from "./workloads.ts";

const creates = Number(process.argv[2] ?? "25");

const dir = mkdtempSync(join(tmpdir(), "mcp-station-bench-group-warm-"));
const serversFile = join(dir, "servers.json");
const entry = (argv: string[]) => ({ command: argv[0], args: argv.slice(1) });
writeFileSync(
  serversFile,
  JSON.stringify({
    mcpServers: { everything: entry(EVERYTHING.argv), echo: entry(ECHO.argv) },
    mcpGroups: { pair: { members: ["everything", "echo"] } },
  }),
);

const cold = await startStation({ env: { MCP_STATION_SERVERS_FILE: serversFile } });
const warm = await startStation({
  env: { MCP_STATION_SERVERS_FILE: serversFile, MCP_STATION_WARM_POOL: JSON.stringify([{ server: "pair", size: 1 }]) },
});

/** Creates `server` on `station`, times the create, and answers its pids (a group's: its members'); then deletes it. */
async function timedCreate(station: Running, server = "pair"): Promise<{ ms: number; pids: number[] }> {
  const started = performance.now();
  const id = await createSession(station.url, { server });
  const ms = performance.now() - started;
  const info = (await (await fetch(`${station.url}/sessions/${id}`)).json()) as {
    pid: number | null;
    group?: { members: { pid: number | null }[] };
  };
  await deleteSession(station.url, id);
  return { ms, pids: info.group ? info.group.members.map((member) => member.pid ?? -1) : [info.pid ?? -1] };
}

/** A create on the warm station, after the pool has had time to refill; whether its processes came from the pool. */
async function warmCreate(server: string, wait: number): Promise<{ ms: number; fromPool: boolean }> {
  await Bun.sleep(wait);
  const before = new Set(processTree(warm.pid));
  const { ms, pids } = await timedCreate(warm, server);
  return { ms, fromPool: pids.every((pid) => before.has(pid)) };
}

const coldMs: number[] = [];
const warmMs: number[] = [];
const singleMs: number[] = [];
let hits = 0;
let singleHits = 0;
// One round unmeasured first: the stations' own code paths and the era cache warm up.
for (let i = -1; i < creates; i++) {
  const c = await timedCreate(cold);
  const wait = Math.ceil(c.ms * 2) + 200;
  const w = await warmCreate("pair", wait);
  const s = await warmCreate("everything", wait);
  if (i < 0) continue;
  coldMs.push(c.ms);
  warmMs.push(w.ms);
  singleMs.push(s.ms);
  if (w.fromPool) hits++;
  if (s.fromPool) singleHits++;
  const miss = (from: boolean) => (from ? "" : " (not from the pool)");
  console.log(
    `create ${i + 1}: group cold ${c.ms.toFixed(1)} ms, group warm ${w.ms.toFixed(1)} ms${miss(w.fromPool)}, single warm ${s.ms.toFixed(1)} ms${miss(s.fromPool)}`,
  );
}
console.log(
  `\ngroup of 2 (server-everything + bench echo), medians of ${creates} creates each, alternated:` +
    `\ngroup cold ${median(coldMs).toFixed(1)} ms | group warm ${median(warmMs).toFixed(1)} ms (${hits}/${creates} from the pool)` +
    ` | server-everything alone, warm ${median(singleMs).toFixed(1)} ms (${singleHits}/${creates} from the pool)`,
);
await cold.stop();
await warm.stop();
rmSync(dir, { recursive: true, force: true });
