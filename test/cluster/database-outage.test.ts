/**
 * PostgreSQL unreachable for every node for twice the lease (all three reach
 * it through one relay, stopped): every node fences, and once the database
 * is back every session runs again, exactly once (the fixtures' kernel locks
 * and a /proc count of each session's servers).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { POSTGRES_URL } from "../ops/support.ts";
import { TestCluster, eventually, waitForLog } from "./harness.ts";
import { TcpRelay } from "../support/tcp-relay.ts";

const PER_NODE = 8;
let cluster: TestCluster;
let relay: TcpRelay;
const sessions: { id: string; token: string }[] = [];

beforeAll(async () => {
  const pg = new URL(POSTGRES_URL);
  relay = await TcpRelay.open(pg.hostname, Number(pg.port || 5432));
  const relayed = new URL(POSTGRES_URL);
  relayed.port = String(relay.port);
  cluster = await TestCluster.start(3, { env: { MCP_STATION_DATABASE_URL: relayed.toString() } });
  for (const node of cluster.nodes)
    sessions.push(...(await Promise.all(Array.from({ length: PER_NODE }, () => cluster.createSession(node)))));
});

afterAll(async () => {
  relay?.stop();
  await cluster?.teardown();
});

test("every node fences while the database is gone, and every session runs again exactly once after", async () => {
  const marks = cluster.nodes.map((node) => node.logs.length);
  relay.stop();
  await Promise.all(
    cluster.nodes.map((node, i) =>
      waitForLog(node, "cluster: fenced: every server of this node was stopped; rejoining with a new epoch", {}, 10_000, marks[i]),
    ),
  );
  expect(cluster.runningServers().size).toBe(0);
  // Twice the lease from the cut, then the database comes back.
  await Bun.sleep(cluster.leaseMs);
  relay.start();
  await Promise.all(cluster.nodes.map((node, i) => waitForLog(node, "cluster: joined", { epoch: 2 }, 15_000, marks[i])));
  for (const session of sessions) {
    for (const node of cluster.nodes)
      await eventually(
        async () => {
          const res = await cluster.tokenOf(node, session.id);
          return res.status === 200 && res.body.data?.content?.[0]?.text === session.token ? true : undefined;
        },
        10_000,
        "session answering after the outage",
      );
  }
  const running = cluster.runningServers();
  expect(running.size).toBe(sessions.length);
  for (const pids of running.values()) expect(pids).toHaveLength(1);
  expect(cluster.doubles()).toEqual([]);
});
