/**
 * `bun run bench:cluster`: what cluster mode costs and how fast it recovers,
 * on real stations and the local PostgreSQL (the test harness's cluster,
 * test/cluster/harness.ts). Parts 1 and 2 run the bench's own echo server
 * (bench/servers/echo.mjs: little work per message, so the stations are
 * measured); part 3 the session-lock fixture, whose token proves the session
 * that answers after a move is the one that was asked for.
 *
 * 1. One forward: c=1 `POST /mcp/request` to a session through the node that
 *    runs it and through another node, alternated in rounds; p50 and p99, and
 *    the CPU both stations spent per request (utime + stime from /proc).
 * 2. Throughput at c=64 over 30 sessions: one node; three nodes with every
 *    request sent to the owner (what a balancer hashing the session id does);
 *    three nodes with every request sent to a node at random (2 of 3 forwarded).
 * 3. kill -9 of a node holding 20 sessions, repeated: the time until every one
 *    of them answers again through a survivor, with the default lease (5 s)
 *    and with a 1.5 s lease.
 *
 * Every answer is checked (the echo of a message made for that request, or the session's token); any other
 * answer is an error, counted and printed.
 *
 *   node_modules/.bin/bun bench/cluster.ts [--quick]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { TestCluster, call } from "../test/cluster/harness.ts";
import { ROOT } from "./lib/procs.ts";

const quick = process.argv.includes("--quick");
const TICKS = 100; // USER_HZ on Linux

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

let errors = 0;
const errorDetails: string[] = [];
let sent = 0;
const ECHO = join(import.meta.dir, "servers", "echo.mjs");

async function createEcho(node: { url: string }): Promise<{ id: string; token: string }> {
  const res = await call(node, "POST", "/sessions", { server_type: "node", server_command: ECHO });
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.session_id, token: "" };
}

/** One echo through `node`, checked against its own message; its latency in ms. */
async function ask(_: TestCluster, node: { url: string }, session: { id: string }): Promise<number> {
  const message = `${session.id}-${++sent}`;
  const body = `{"session_id":"${session.id}","method":"tools/call","params":{"name":"echo","arguments":{"message":"${message}"}}}`;
  const started = performance.now();
  const res = await fetch(`${node.url}/mcp/request`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const answer = (await res.json()) as { data?: { content?: { text?: string }[] } };
  const ms = performance.now() - started;
  if (res.status !== 200 || answer.data?.content?.[0]?.text !== message) {
    errors += 1;
    errorDetails.push(`echo: ${res.status} ${JSON.stringify(answer).slice(0, 200)}`);
  }
  return ms;
}

async function oneForward() {
  const cluster = await TestCluster.start(2, { leaseMs: 5_000 });
  try {
    const session = await createEcho(cluster.nodes[0]!);
    const pids = cluster.nodes.map((n) => n.pid);
    const rounds = quick ? 2 : 6;
    const perRound = quick ? 200 : 1_000;
    const lat = { local: [] as number[], forwarded: [] as number[] };
    const cpu = { local: 0, forwarded: 0 };
    for (let i = 0; i < 200; i++) await ask(cluster, cluster.nodes[1]!, session); // warm-up, both paths
    for (let i = 0; i < 200; i++) await ask(cluster, cluster.nodes[0]!, session);
    for (let round = 0; round < rounds; round++) {
      for (const path of ["local", "forwarded"] as const) {
        const via = path === "local" ? cluster.nodes[0]! : cluster.nodes[1]!;
        const before = pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
        for (let i = 0; i < perRound; i++) lat[path].push(await ask(cluster, via, session));
        cpu[path] += pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - before;
      }
    }
    const count = rounds * perRound;
    const summary = (path: "local" | "forwarded") => {
      const sorted = lat[path].sort((a, b) => a - b);
      return {
        p50_ms: +percentile(sorted, 50).toFixed(3),
        p99_ms: +percentile(sorted, 99).toFixed(3),
        cpu_us_per_request: Math.round((cpu[path] / count) * 1e6),
      };
    };
    return { requests_per_path: count, local: summary("local"), forwarded: summary("forwarded") };
  } finally {
    await cluster.teardown();
  }
}

async function throughput(
  cluster: TestCluster,
  sessions: { id: string; token: string; node: number }[],
  pick: (s: { node: number }, i: number) => number,
  total: number,
) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      for (let i = next++; i < total; i = next++) {
        const session = sessions[i % sessions.length]!;
        await ask(cluster, cluster.nodes[pick(session, i)]!, session);
      }
    }),
  );
  return Math.round(total / ((performance.now() - started) / 1000));
}

async function scaling() {
  const total = quick ? 2_000 : 20_000;
  const single = await TestCluster.start(1, { leaseMs: 5_000 });
  let one: number;
  try {
    const sessions = await Promise.all(Array.from({ length: 30 }, async () => ({ ...(await createEcho(single.nodes[0]!)), node: 0 })));
    await throughput(single, sessions, () => 0, 1_000);
    one = await throughput(single, sessions, () => 0, total);
  } finally {
    await single.teardown();
  }
  const three = await TestCluster.start(3, { leaseMs: 5_000 });
  try {
    const sessions = await Promise.all(
      Array.from({ length: 30 }, async (_, k) => ({ ...(await createEcho(three.nodes[k % 3]!)), node: k % 3 })),
    );
    await throughput(three, sessions, (s) => s.node, 1_000);
    const toOwner = await throughput(three, sessions, (s) => s.node, total);
    const anyNode = await throughput(three, sessions, (_, i) => (i * 7) % 3, total);
    return { requests: total, one_node_req_s: one, three_nodes_to_owner_req_s: toOwner, three_nodes_any_node_req_s: anyNode };
  } finally {
    await three.teardown();
  }
}

/** A node unreachable where it should answer: what each node logged above info (a fence, the watchdog), then the error. */
function explain(cluster: TestCluster) {
  return (error: unknown): never => {
    for (const node of cluster.nodes) {
      const state = node.proc.signalCode ?? node.proc.exitCode ?? "running";
      console.error(
        `${node.nodeId} (${state}): ${node.stderr().slice(-800)} ${JSON.stringify(node.logs.filter((l) => l.level !== "info").slice(-6))}`,
      );
    }
    throw error;
  };
}

async function killRecovery(leaseMs: number, kills: number) {
  const cluster = await TestCluster.start(3, { leaseMs });
  const times: number[] = [];
  try {
    for (let k = 0; k < kills; k++) {
      const victimIndex = k % 3;
      const victim = cluster.nodes[victimIndex]!;
      const survivor = cluster.nodes[(victimIndex + 1) % 3]!;
      const sessions = await Promise.all(Array.from({ length: 20 }, () => cluster.createSession(victim))).catch(explain(cluster));
      const killedAt = performance.now();
      victim.proc.kill("SIGKILL");
      await Promise.all(
        sessions.map(async (session) => {
          for (;;) {
            const res = await cluster.tokenOf(survivor, session.id).catch(explain(cluster));
            if (res.status === 200 && res.body.data?.content?.[0]?.text === session.token) return;
            if (res.status !== 503 && res.status !== 502) {
              errors += 1;
              errorDetails.push(`after kill: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
            }
            await Bun.sleep(20);
          }
        }),
      );
      times.push(Math.round(performance.now() - killedAt));
      cluster.nodes[victimIndex] = await cluster.startNode(victim.nodeId);
    }
  } finally {
    await cluster.teardown();
  }
  const sorted = [...times].sort((a, b) => a - b);
  return { lease_ms: leaseMs, kills, every_session_back_ms: times, median_ms: percentile(sorted, 50), max_ms: sorted.at(-1) };
}

const only = process.argv.find((a) => a.startsWith("--only="))?.slice(7);
if (only === "kill") {
  console.log(JSON.stringify({ kill: await killRecovery(1_500, 6), errors, errorDetails }, null, 2));
  process.exit(0);
}

const results = {
  date: new Date().toISOString(),
  quick,
  machine: `${cpus().length} × ${cpus()[0]?.model}, load average ${loadavg()[0]!.toFixed(1)} at start (shared)`,
  one_forward: await oneForward(),
  throughput_c64: await scaling(),
  kill9_default_lease: await killRecovery(5_000, quick ? 1 : 4),
  kill9_short_lease: await killRecovery(1_500, quick ? 1 : 4),
  errors,
  error_details: errorDetails.slice(0, 20),
};
console.log(JSON.stringify(results, null, 2));
writeFileSync(join(ROOT, "bench", "results", quick ? "cluster-quick.json" : "cluster.json"), `${JSON.stringify(results, null, 2)}\n`);
if (errors > 0) process.exit(1);
