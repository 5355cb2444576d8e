/**
 * Membership on real stations and a real PostgreSQL: three nodes join with
 * distinct epochs; a second process with a live node id exits and says why;
 * a node that comes back after its lease ran out gets a higher epoch;
 * GET /cluster lists nodes, epochs, leases and session counts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { TestCluster, call, eventually } from "./harness.ts";

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await TestCluster.start(3);
});

afterAll(async () => {
  await cluster?.teardown();
});

const view = async (node: { url: string }) => (await call(node, "GET", "/cluster")).body;

describe("membership", () => {
  test("three nodes join, each with its epoch and a live lease, seen alike from every node", async () => {
    for (const node of cluster.nodes) {
      const body = await view(node);
      expect(body.node_id).toBe(node.nodeId);
      expect(body.status).toBe("live");
      expect(body.nodes.map((n: { node_id: string }) => n.node_id)).toEqual(["node-1", "node-2", "node-3"]);
      for (const member of body.nodes) {
        expect(member.state).toBe("live");
        expect(member.epoch).toBe(1);
        expect(member.lease_ms_left).toBeGreaterThan(0);
        expect(member.lease_ms_left).toBeLessThanOrEqual(cluster.leaseMs);
      }
    }
  });

  test("GET /cluster counts each node's sessions", async () => {
    await cluster.createSession(cluster.nodes[1]!);
    const body = await view(cluster.nodes[0]!);
    // Answered once its row is written: the session is in the directory before its creator hears of it.
    const counts = Object.fromEntries(body.nodes.map((n: { node_id: string; sessions: number }) => [n.node_id, n.sessions]));
    expect(counts).toEqual({ "node-1": 0, "node-2": 1, "node-3": 0 });
  });

  test("a second process with a live node id exits with a message naming the holder", async () => {
    const duplicate = await cluster.startNode("node-2");
    expect(await duplicate.proc.exited).toBe(2);
    const stderr = duplicate.stderr();
    expect(stderr).toContain('the node id "node-2" is held by a live station');
    expect(stderr).toContain(`pid ${cluster.nodes[1]!.pid}`);
    // The holder is unharmed.
    expect((await view(cluster.nodes[1]!)).status).toBe("live");
  });

  test("cluster mode without MCP_STATION_CLUSTER_SECRET refuses to start", async () => {
    const attempt = await cluster.startNode("node-x", { MCP_STATION_CLUSTER_SECRET: "" });
    expect(await attempt.proc.exited).toBe(2);
    expect(attempt.stderr()).toContain("needs MCP_STATION_CLUSTER_SECRET");
  });

  test("a node killed and started again after its lease ran out rejoins with a higher epoch", async () => {
    const node3 = cluster.nodes[2]!;
    node3.proc.kill("SIGKILL");
    await node3.proc.exited;
    // Seen dead by the others once its lease runs out (declared by one of them).
    await eventually(
      async () => {
        const member = (await view(cluster.nodes[0]!)).nodes.find((n: { node_id: string }) => n.node_id === "node-3");
        return member.state === "dead" ? member : undefined;
      },
      10_000,
      "node-3 declared dead",
    );
    const again = await cluster.startNode("node-3");
    cluster.nodes[2] = again;
    const body = await view(again);
    expect(body.status).toBe("live");
    expect(body.epoch).toBe(2);
    expect(body.nodes.find((n: { node_id: string }) => n.node_id === "node-3").epoch).toBe(2);
  });

  test("GET /cluster is for admins: a tenant's key is refused", async () => {
    const keyed = await cluster.startNode("node-keys", {
      MCP_STATION_API_KEYS: "tenant-a:key-for-tenant-a-0001",
      MCP_STATION_ADMIN_KEYS: "admin-key-000000001",
    });
    expect((await call(keyed, "GET", "/cluster", undefined, { authorization: "Bearer key-for-tenant-a-0001" })).status).toBe(403);
    expect((await call(keyed, "GET", "/cluster", undefined, { authorization: "Bearer admin-key-000000001" })).status).toBe(200);
  });

  test("three nodes started at the same moment on a fresh database all join (the store's migration is taken in turn)", async () => {
    const together = await TestCluster.start(3, { together: true });
    try {
      for (const node of together.nodes) expect((await view(node)).status).toBe("live");
    } finally {
      await together.teardown();
    }
  });
});
