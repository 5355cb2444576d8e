/**
 * `bun run bench:balancer`: what the balancer's stick table is worth, on a
 * real three-node cluster (test/cluster/harness.ts, the local PostgreSQL)
 * behind real HAProxy with deploy/compose/haproxy.cfg (test/deploy/haproxy-process.ts).
 *
 * 30 sessions of the bench's echo server (bench/servers/echo.mjs) are created
 * through HAProxy, so round robin starts them on all three nodes. Then, at
 * c=64, `POST /sessions/{id}/request` by four paths, in alternating rounds so
 * the shared machine's load falls on each alike:
 *
 * - `haproxy`: through HAProxy as deployed (the stick table learned each
 *   session's node from POST /sessions's Mcp-Station-Session header);
 * - `haproxy_hash_only`: through a second HAProxy in front of the same nodes,
 *   the same file without `stick match var(txn.session)`: the consistent hash
 *   alone, which agrees with round-robin placement about 1 time in 3;
 * - `direct_to_owner`: straight to the node that runs the session (read from
 *   the cluster's session table), no balancer: the ceiling;
 * - `direct_any_node`: straight to a node picked in turn, 2 of 3 forwarded.
 *
 * The share served locally is 1 − (the nodes' `mcp_station_cluster_forwarded_requests_total`
 * growth during the path's rounds) / its requests. Every answer is checked
 * (the echo of a message made for that request).
 *
 *   node_modules/.bin/bun bench/balancer.ts [--quick]
 */
import { SQL } from "bun";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { TestCluster, call, metric } from "../test/cluster/harness.ts";
import { startHaproxy } from "../test/deploy/haproxy-process.ts";
import { POSTGRES_URL } from "../test/ops/support.ts";
import { ROOT } from "./lib/procs.ts";

const quick = process.argv.includes("--quick");
const ECHO = join(import.meta.dir, "servers", "echo.mjs");
const FORWARDED = "mcp_station_cluster_forwarded_requests_total";
const CONCURRENCY = 64;
const SESSIONS = 30;
const ROUNDS = quick ? 2 : 4;
const PER_ROUND = quick ? 1_000 : 5_000;

let errors = 0;
const errorDetails: string[] = [];
let sent = 0;

type Path = "haproxy" | "haproxy_hash_only" | "direct_to_owner" | "direct_any_node";
const PATHS: Path[] = ["haproxy", "haproxy_hash_only", "direct_to_owner", "direct_any_node"];

async function echo(base: string, id: string): Promise<void> {
  const message = `${id}-${++sent}`;
  const res = await fetch(`${base}/sessions/${id}/request`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"method":"tools/call","params":{"name":"echo","arguments":{"message":"${message}"}}}`,
  });
  const answer = (await res.json()) as { data?: { content?: { text?: string }[] } };
  if (res.status !== 200 || answer.data?.content?.[0]?.text !== message) {
    errors += 1;
    errorDetails.push(`${base}: ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
  }
}

/** Every forwarded request the nodes counted so far, whatever its outcome. */
async function forwardedSoFar(cluster: TestCluster): Promise<number> {
  let sum = 0;
  for (const node of cluster.nodes)
    for (const result of ["answered", "not_owner_retried", "unreachable", "failed"])
      sum += await metric(node, `${FORWARDED}{result="${result}"}`);
  return sum;
}

const cluster = await TestCluster.start(3, { leaseMs: 5_000 });
const ports = cluster.nodes.map((node) => Number(new URL(node.url).port));
const sticky = await startHaproxy(ports);
const hashOnly = await startHaproxy(ports, (cfg) => {
  const edited = cfg.replace(/\n\s*stick match var\(txn\.session\)[^\n]*/, "");
  if (edited === cfg) throw new Error("haproxy.cfg has no `stick match var(txn.session)` any more: update bench/balancer.ts");
  return edited;
});
try {
  const sessions: { id: string; owner: string }[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const res = await call(sticky, "POST", "/sessions", { server_type: "node", server_command: ECHO });
    if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    sessions.push({ id: res.body.session_id, owner: "" });
  }
  const sql = new SQL(POSTGRES_URL, { max: 1 });
  const rows = (await sql.unsafe(`select session_id, node from ${cluster.prefix}sessions`)) as { session_id: string; node: string }[];
  await sql.close();
  const urlOf = new Map(cluster.nodes.map((node) => [node.nodeId, node.url]));
  const ownerOf = new Map(rows.map((row) => [row.session_id, urlOf.get(row.node)!]));
  for (const session of sessions) session.owner = ownerOf.get(session.id)!;
  const placement = Object.fromEntries(cluster.nodes.map((n) => [n.nodeId, sessions.filter((s) => s.owner === n.url).length]));

  const baseOf = (path: Path, session: { owner: string }, i: number): string => {
    if (path === "haproxy") return sticky.url;
    if (path === "haproxy_hash_only") return hashOnly.url;
    if (path === "direct_to_owner") return session.owner;
    return cluster.nodes[i % 3]!.url;
  };
  const totals = Object.fromEntries(PATHS.map((p) => [p, { requests: 0, seconds: 0, forwarded: 0 }])) as Record<
    Path,
    { requests: number; seconds: number; forwarded: number }
  >;
  const run = async (path: Path, total: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < total; i = next++) {
          const session = sessions[i % sessions.length]!;
          await echo(baseOf(path, session, Math.floor(i / sessions.length)), session.id);
        }
      }),
    );
  };
  for (const path of PATHS) await run(path, 500); // warm-up: connections, JIT, each balancer's pools
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of PATHS) {
      const before = await forwardedSoFar(cluster);
      const started = performance.now();
      await run(path, PER_ROUND);
      totals[path].seconds += (performance.now() - started) / 1000;
      totals[path].requests += PER_ROUND;
      totals[path].forwarded += (await forwardedSoFar(cluster)) - before;
    }
  }
  const summary = Object.fromEntries(
    PATHS.map((path) => {
      const t = totals[path];
      return [
        path,
        {
          requests: t.requests,
          req_s: Math.round(t.requests / t.seconds),
          forwarded: t.forwarded,
          served_locally_pct: +((100 * (t.requests - t.forwarded)) / t.requests).toFixed(1),
        },
      ];
    }),
  );
  const results = {
    date: new Date().toISOString(),
    quick,
    machine: `${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg()[0]!.toFixed(1)} at start (shared)`,
    sessions: SESSIONS,
    placement_after_round_robin_create: placement,
    concurrency: CONCURRENCY,
    rounds: ROUNDS,
    paths: summary,
    errors,
    error_details: errorDetails.slice(0, 20),
  };
  console.log(JSON.stringify(results, null, 2));
  writeFileSync(join(ROOT, "bench", "results", quick ? "balancer-quick.json" : "balancer.json"), `${JSON.stringify(results, null, 2)}\n`);
} finally {
  await sticky.stop();
  await hashOnly.stop();
  await cluster.teardown();
}
if (errors > 0) process.exit(1);
