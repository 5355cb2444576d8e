/**
 * A tenant's session limit holds across the cluster even when its creates
 * arrive at several nodes at the same moment: each create claims its place
 * in PostgreSQL before it counts (src/cluster/session-counts.ts). Rounds of
 * simultaneous creates on two nodes, never more sessions than the limit; a
 * deleted session's place is free again for the next round.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { SQL } from "bun";
import { POSTGRES_URL } from "../ops/support.ts";
import { fixture } from "../setup/paths.ts";
import { TestCluster, call, eventually } from "./harness.ts";

const LIMIT = 2;
const ROUNDS = 5;
const PER_NODE = 3;

let cluster: TestCluster;
let sql: SQL;

beforeAll(async () => {
  cluster = await TestCluster.start(2, { leaseMs: 3_000, env: { MCP_STATION_MAX_SESSIONS_PER_TENANT: String(LIMIT) } });
  sql = new SQL(POSTGRES_URL, { max: 1 });
});

afterAll(async () => {
  await sql?.close();
  await cluster?.teardown();
});

const create = (node: { url: string }) =>
  call(node, "POST", "/sessions", {
    server_type: "command",
    server_command: "bash",
    server_args: [fixture("session-lock.sh")],
    env_vars: { SESSION_TOKEN: crypto.randomUUID(), LOCK_DIR: cluster.lockDir },
  });

const liveRows = async () => {
  const [row] = await sql.unsafe(
    `select count(*) as n from ${cluster.prefix}sessions where status in ('starting', 'running', 'unresponsive', 'restarting')`,
  );
  return Number(row.n);
};

test(`${ROUNDS} rounds of ${PER_NODE * 2} creates at once on two nodes: ${LIMIT} sessions each round, the rest 429`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const answers = await Promise.all(cluster.nodes.flatMap((node) => Array.from({ length: PER_NODE }, () => create(node))));
    const created = answers.filter((a) => a.status === 200);
    expect({ round, created: created.length }).toEqual({ round, created: LIMIT });
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual(Array(PER_NODE * 2 - LIMIT).fill(429));
    for (const a of created) expect((await call(cluster.nodes[0]!, "DELETE", `/sessions/${a.body.session_id}`)).status).toBe(200);
    // The next round starts once no row counts: the deleted sessions' places are free again.
    await eventually(async () => ((await liveRows()) === 0 ? true : undefined), 10_000, "the deleted sessions' rows gone");
  }
  expect(cluster.doubles()).toEqual([]);
});
