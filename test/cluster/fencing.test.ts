/**
 * Never two copies. A node frozen with SIGSTOP past its lease is killed by
 * its watchdog, servers first, before the lease can be taken; a node cut off
 * from PostgreSQL (a relay in front of it, stopped) fences itself: its
 * servers are gone, it answers 503 node_fenced, and once the database is back
 * it rejoins with a new epoch. In both cases the survivors adopt its
 * sessions, and the fixtures' kernel locks and a /proc sampler see no
 * session run twice. A write by a node that lost a session is refused by
 * the session's generation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { SQL } from "bun";
import { POSTGRES_URL } from "../ops/support.ts";
import { openDatabase } from "../../src/store/database.ts";
import { SessionStore } from "../../src/store/session-store.ts";
import { TestCluster, call, eventually, metric, waitForLog } from "./harness.ts";
import { TcpRelay } from "../support/tcp-relay.ts";

const PER_NODE = 10;
const pg = new URL(POSTGRES_URL);

let cluster: TestCluster;
let relay: TcpRelay;
const sessions: { id: string; token: string; node: string }[] = [];
const sampledTwice = new Set<string>();
let sampler: ReturnType<typeof setInterval>;

beforeAll(async () => {
  relay = await TcpRelay.open(pg.hostname, Number(pg.port || 5432));
  cluster = await TestCluster.start(2);
  // node-3 reaches PostgreSQL through the relay only.
  const relayed = new URL(POSTGRES_URL);
  relayed.port = String(relay.port);
  cluster.nodes.push(await cluster.startNode("node-3", { MCP_STATION_DATABASE_URL: relayed.toString() }));
  for (const node of cluster.nodes) {
    const created = await Promise.all(Array.from({ length: PER_NODE }, () => cluster.createSession(node)));
    sessions.push(...created.map((s) => ({ ...s, node: node.nodeId })));
  }
  sampler = setInterval(() => {
    for (const [token, pids] of cluster.runningServers()) if (pids.length > 1) sampledTwice.add(token);
  }, 50);
});

afterAll(async () => {
  clearInterval(sampler);
  relay?.stop();
  await cluster?.teardown();
});

const answers = async (through: { url: string }, session: { id: string; token: string }) => {
  const res = await cluster.tokenOf(through, session.id);
  return res.status === 200 && res.body.data?.content?.[0]?.text === session.token ? true : undefined;
};

const serversOf = (node: string) => {
  const running = cluster.runningServers();
  return sessions.filter((s) => s.node === node && running.has(s.token));
};

describe("never two copies", () => {
  test("a node cut off from PostgreSQL fences itself, answers 503, the others adopt, and it rejoins with a new epoch", async () => {
    const cut = cluster.nodes[2]!;
    const from = cut.logs.length;
    relay.stop();
    await waitForLog(cut, "cluster: fenced: every server of this node was stopped; rejoining with a new epoch", {}, 10_000, from);
    // Its servers are gone, and it says why it does not answer.
    expect(serversOf("node-3")).toEqual([]);
    const refused = await call(cut, "GET", "/sessions");
    expect(refused.status).toBe(503);
    expect(refused.body.error.data.type).toBe("node_fenced");
    expect(refused.headers.get("retry-after")).toBeTruthy();
    const ready = await call(cut, "GET", "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body.reason).toBe("cluster node fenced (docs/cluster.md)");
    // The others adopt its sessions.
    for (const session of sessions.filter((s) => s.node === "node-3"))
      await eventually(() => answers(cluster.nodes[0]!, session), 10_000, "adopted session answering");
    relay.start();
    await waitForLog(cut, "cluster: joined", { epoch: 2 }, 10_000, from);
    // Back, with nothing of its own: every session answers through it, run by the others.
    for (const session of sessions) await eventually(() => answers(cut, session), 5_000, "answering through the rejoined node");
    expect(serversOf("node-3")).toHaveLength(PER_NODE); // run now by node-1 and node-2, once each
    expect(await metric(cut, "mcp_station_cluster_fences_total")).toBe(1);
    expect(await metric(cut, 'mcp_station_cluster_node_epoch{node_id="node-3"}')).toBe(2);
    expect(cluster.doubles()).toEqual([]);
    expect([...sampledTwice]).toEqual([]);
  });

  test("a node frozen with SIGSTOP is killed by its watchdog, servers first; the others adopt; it rejoins with a new epoch", async () => {
    const frozen = cluster.nodes[1]!;
    const mine = (await call(frozen, "GET", "/cluster")).body.nodes.find((n: { node_id: string }) => n.node_id === "node-2");
    expect(mine.sessions).toBeGreaterThan(0);
    frozen.proc.kill("SIGSTOP");
    // The watchdog ends it (SIGKILL) once its lease deadline passes.
    await frozen.proc.exited;
    expect(frozen.proc.signalCode).toBe("SIGKILL");
    for (const session of sessions)
      await eventually(() => answers(cluster.nodes[0]!, session), 10_000, "session answering after the freeze");
    const again = await cluster.startNode("node-2");
    cluster.nodes[1] = again;
    expect((await call(again, "GET", "/cluster")).body.epoch).toBe(2);
    for (const session of sessions) expect(await answers(again, session)).toBe(true);
    expect(cluster.doubles()).toEqual([]);
    expect([...sampledTwice]).toEqual([]);
  });

  test("a write by a node that lost the session is refused by its generation", async () => {
    const db = await openDatabase({ url: POSTGRES_URL, dataDir: "/nonexistent" });
    const store = await SessionStore.open(db, { instance: "default", tablePrefix: cluster.prefix, node: "node-3" });
    const sql = new SQL(POSTGRES_URL, { max: 1 });
    try {
      const session = sessions.find((s) => s.node === "node-3")!;
      const [before] = await sql.unsafe(`select node, generation, status from ${cluster.prefix}sessions where session_id = $1`, [
        session.id,
      ]);
      // Adopted by another node when node-3 was cut off (and perhaps moved again since).
      expect(Number(before.generation)).toBeGreaterThan(1);
      // node-3 as it was before it was fenced: it believes it holds the session at generation 1.
      const [row] = await sql.unsafe(`select * from ${cluster.prefix}sessions where session_id = $1`, [session.id]);
      await store.save({
        session_id: session.id,
        owner: row.owner,
        status: "exited",
        request: JSON.parse(row.request),
        dropped_env: [],
        identity: null,
        created_at: row.created_at,
        started_at: null,
        exited_at: new Date().toISOString(),
        restored_at: null,
        restarts: 0,
        failure_reason: null,
        process: null,
      });
      await store.remove(session.id);
      expect(store.staleWrites).toBe(2);
      const [after] = await sql.unsafe(`select node, generation, status from ${cluster.prefix}sessions where session_id = $1`, [
        session.id,
      ]);
      expect(after).toEqual(before);
      expect(await answers(cluster.nodes[0]!, session)).toBe(true);
    } finally {
      await sql.close();
      await db.close();
    }
  });
});
