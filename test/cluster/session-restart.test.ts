/**
 * POST /sessions/{id}/restart in a cluster of two real stations: asked of the
 * node that does not run the session, it is forwarded to the owner, the
 * session keeps its id and its owner, its server answers again, and the old
 * and new servers never ran at once (the session-lock fixture records a
 * second copy).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TestCluster, call } from "./harness.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(2, { leaseMs: 3_000 });
});

afterAll(async () => {
  await cluster?.teardown();
});

describe("a restart asked for in a cluster", () => {
  test("through the other node: forwarded to the owner, same id, a new process, never two at once", async () => {
    const [owner, other] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const { id, token } = await cluster.createSession(owner);
    const before = (await call(owner, "GET", `/sessions/${id}`)).body;

    const restarted = await call(other, "POST", `/sessions/${id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ session_id: id, status: "running", restarts: 1 });
    expect(restarted.body.pid).not.toBe(before.pid);

    const answer = await cluster.tokenOf(other, id);
    expect(answer.status).toBe(200);
    expect(JSON.stringify(answer.body)).toContain(token);
    expect((await call(other, "GET", `/sessions/${id}`)).body).toMatchObject({ status: "running", restarts: 1 });
    expect(cluster.runningServers().get(token)).toHaveLength(1);
    expect(cluster.doubles()).toEqual([]);
  });
});
