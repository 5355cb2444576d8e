/**
 * Every session reachable through every node: sessions spread over three
 * real stations, each called through each node (the answer is a token only
 * that session's server knows), the REST routes and the event stream through
 * a node that does not run the session, the cluster-wide list, and the
 * official MCP TypeScript client on a session's MCP endpoint through another
 * node.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { TestCluster, call } from "./harness.ts";

const SESSIONS = 300;

let cluster: TestCluster;
const sessions: { id: string; token: string; node: number }[] = [];

beforeAll(async () => {
  // A longer lease than the other cluster tests: nothing here moves, and 900 calls at once on 2 shared cores
  // can hold a node's event loop past a 1.5 s lease's fence deadline (the node then fences, as designed).
  cluster = await TestCluster.start(3, { leaseMs: 3_000 });
  // Created in parallel, a few at a time, round-robin over the nodes.
  for (let batch = 0; batch < SESSIONS; batch += 15) {
    const created = await Promise.all(
      Array.from({ length: Math.min(15, SESSIONS - batch) }, async (_, k) => {
        const node = (batch + k) % 3;
        return { ...(await cluster.createSession(cluster.nodes[node]!)), node };
      }),
    );
    sessions.push(...created);
  }
});

afterAll(async () => {
  await cluster?.teardown();
});

describe("routing", () => {
  test(`${SESSIONS} sessions on three nodes, each called through every node: ${SESSIONS * 3} answers with its own token`, async () => {
    const answers = await Promise.all(
      sessions.flatMap((session) =>
        cluster.nodes.map(async (node) => {
          const res = await cluster.tokenOf(node, session.id);
          return res.status === 200 && res.body.data?.content?.[0]?.text === session.token;
        }),
      ),
    );
    expect(answers.filter(Boolean).length).toBe(SESSIONS * 3);
    expect(cluster.doubles()).toEqual([]);
  });

  test("GET /sessions through any node lists the cluster's sessions", async () => {
    for (const node of cluster.nodes) {
      const res = await call(node, "GET", "/sessions");
      expect(res.status).toBe(200);
      expect(res.body.count).toBe(SESSIONS);
      expect(new Set(res.body.sessions.map((s: { session_id: string }) => s.session_id))).toEqual(new Set(sessions.map((s) => s.id)));
    }
  });

  test("REST routes of a session through a node that does not run it: info, history, delete", async () => {
    const { id } = await cluster.createSession(cluster.nodes[0]!);
    const info = await call(cluster.nodes[1]!, "GET", `/sessions/${id}`);
    expect(info.status).toBe(200);
    expect(info.body.session_id).toBe(id);
    expect(info.body.status).toBe("running");
    expect((await call(cluster.nodes[2]!, "GET", `/sessions/${id}/history`)).status).toBe(200);
    expect((await call(cluster.nodes[2]!, "DELETE", `/sessions/${id}`)).status).toBe(200);
    // Gone for every node, with the 404 a client expects for a session that no longer exists.
    for (const node of cluster.nodes) expect((await call(node, "GET", `/sessions/${id}`)).body.error?.data?.type).toBe("session_not_found");
  });

  test("an unknown session is 404 session_not_found on every node, after the directory was read", async () => {
    for (const node of cluster.nodes) {
      const res = await cluster.tokenOf(node, crypto.randomUUID());
      expect(res.status).toBe(404);
      expect(res.body.error.data.type).toBe("session_not_found");
    }
  });

  test("the event stream of a session streams through another node", async () => {
    const session = sessions.find((s) => s.node === 2)!;
    const controller = new AbortController();
    const res = await fetch(`${cluster.nodes[0]!.url}/sessions/${session.id}/events`, {
      signal: controller.signal,
      headers: { accept: "text/event-stream" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("event:");
    controller.abort();
  });

  test("the WebSocket of a session, through a node that does not run it, relayed both ways", async () => {
    const session = sessions.find((s) => s.node === 2)!;
    const ws = new WebSocket(`${cluster.nodes[0]!.url.replace("http", "ws")}/sessions/${session.id}/ws`);
    const answers: any[] = [];
    const answered = new Promise<void>((resolve, reject) => {
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data));
        if (message.id === undefined) return; // a notification
        answers.push(message);
        if (answers.length === 2) resolve();
      };
      ws.onerror = () => reject(new Error("websocket error"));
    });
    // The owner's socket is open before this one is: both go straight through.
    ws.onopen = () => {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "token", arguments: {} } }));
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" }));
    };
    await answered;
    expect(answers.find((a) => a.id === 1).result.content[0].text).toBe(session.token);
    expect(answers.find((a) => a.id === 2).result.tools[0].name).toBe("token");
    const closed = new Promise<number>((resolve) => {
      ws.onclose = (event) => resolve(event.code);
    });
    ws.close(1000);
    expect(await closed).toBe(1000);
  });

  test("the official MCP TypeScript client on a session's MCP endpoint, through a node that does not run it", async () => {
    const session = sessions.find((s) => s.node === 1)!;
    const client = new Client({ name: "cluster-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${cluster.nodes[2]!.url}/sessions/${session.id}/mcp`)));
    try {
      expect(client.getServerVersion()?.name).toBe("session-lock");
      const result = await client.callTool({ name: "token", arguments: {} });
      expect((result.content as { text: string }[])[0]!.text).toBe(session.token);
    } finally {
      await client.close();
    }
  });

  test("a tenant's session limit counts the sessions of every node", async () => {
    // The tenant (local) runs SESSIONS sessions on the other nodes: this node has room for one more of its own.
    const limited = await cluster.startNode("node-limited", { MCP_STATION_MAX_SESSIONS_PER_TENANT: String(SESSIONS + 1) });
    await cluster.createSession(limited);
    await expect(cluster.createSession(limited)).rejects.toThrow("429");
  });
});
