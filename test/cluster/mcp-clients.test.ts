/**
 * The official MCP clients (TypeScript SDK v1 and v2, Python SDK 2.x in
 * both eras) connected through one node to a session another node runs,
 * across that node's death (SIGKILL). While the
 * session moves they get 503s; then a legacy client (SDK v1) gets 404 on its
 * stale MCP session id, which tells it to initialize again, and it does; a
 * 2026-07-28 client (SDK v2) simply goes on, with the same connection. Both
 * reach the same station session afterwards (its token).
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { PYTHON_MCP2 } from "../setup/paths.ts";
import { TestCluster } from "./harness.ts";

let cluster: TestCluster;
let session: { id: string; token: string };

beforeAll(async () => {
  cluster = await TestCluster.start(3);
  session = await cluster.createSession(cluster.nodes[1]!);
});

afterAll(async () => {
  await cluster?.teardown();
});

const textOf = (result: unknown) => ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
/** The HTTP status behind an SDK error: v2 carries it in data.status, v1 in code. */
const statusOf = (error: unknown) => {
  const e = error as { code?: unknown; data?: { status?: number } };
  return e.data?.status ?? (typeof e.code === "number" ? e.code : Number.NaN);
};

test("across the owner's death: the legacy client re-initializes after 404, the 2026-07-28 client goes on", async () => {
  const url = new URL(`${cluster.nodes[0]!.url}/sessions/${session.id}/mcp`);
  const connectV1 = async () => {
    const client = new ClientV1({ name: "legacy", version: "1.0.0" });
    await client.connect(new TransportV1(url));
    return client;
  };
  let legacy = await connectV1();
  const modern = new ClientV2({ name: "modern", version: "2.0.0" }, { capabilities: {}, versionNegotiation: { mode: "auto" } });
  await modern.connect(new TransportV2(url));
  expect((modern as unknown as { _negotiatedProtocolVersion: string })._negotiatedProtocolVersion).toBe("2026-07-28");
  expect(textOf(await legacy.callTool({ name: "token", arguments: {} }))).toBe(session.token);
  expect(textOf(await modern.callTool({ name: "token", arguments: {} }))).toBe(session.token);

  cluster.nodes[1]!.proc.kill("SIGKILL");

  const until = Date.now() + 10_000;
  const modernStatuses: number[] = [];
  for (;;) {
    try {
      expect(textOf(await modern.callTool({ name: "token", arguments: {} }))).toBe(session.token);
      break;
    } catch (error) {
      modernStatuses.push(statusOf(error));
      if (Date.now() > until) throw error;
      await Bun.sleep(100);
    }
  }
  // While the session moved: 503 (or 502 for a call in flight at the kill); never 404, since nothing of its state was on the dead node.
  expect(modernStatuses.length).toBeGreaterThan(0);
  for (const status of modernStatuses) expect([502, 503]).toContain(status);
  const legacyStatuses: number[] = [];
  for (;;) {
    try {
      expect(textOf(await legacy.callTool({ name: "token", arguments: {} }))).toBe(session.token);
      break;
    } catch (error) {
      const status = statusOf(error);
      legacyStatuses.push(status);
      if (Date.now() > until) throw error;
      // 404 on the MCP session id: the spec's signal to start a new MCP session with initialize.
      if (status === 404) {
        await legacy.close().catch(() => {});
        legacy = await connectV1();
      } else {
        expect(status).toBe(503);
        await Bun.sleep(100);
      }
    }
  }
  expect(legacyStatuses).toContain(404);

  await legacy.close();
  await modern.close();
  expect(cluster.doubles()).toEqual([]);
});

/** Runs test/cluster/python/across_death.py; `kill` runs once the client has its first answer. */
async function pythonAcrossDeath(url: string, mode: "auto" | "legacy", kill: () => void) {
  const child = Bun.spawn([PYTHON_MCP2, `${import.meta.dir}/python/across_death.py`, url, mode], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const steps: Record<string, any> = {};
  const stderr = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk);
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const row = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      steps[row.step] = row.value;
      if (row.step === "before") {
        kill();
        child.stdin.write("go\n");
        child.stdin.flush();
      }
      end = buffered.indexOf("\n");
    }
  }
  if ((await child.exited) !== 0) throw new Error(`across_death.py exited ${child.exitCode}: ${(await stderr).slice(-2000)}`);
  return steps;
}

test("the official Python SDK, 2026-07-28 and legacy, through one node across the owner's death", async () => {
  for (const mode of ["auto", "legacy"] as const) {
    // The client talks to node-1; node-3 runs its session, is killed, and is started again for the next mode.
    const node = cluster.nodes[2]!;
    const { id, token } = await cluster.createSession(node);
    const steps = await pythonAcrossDeath(`${cluster.nodes[0]!.url}/sessions/${id}/mcp`, mode, () => node.proc.kill("SIGKILL"));
    expect(steps.before).toBe(token);
    expect(steps.after).toBe(token);
    expect(steps.failures.count).toBeGreaterThan(0);
    // A 2026-07-28 client has nothing to reconnect; a legacy one starts a new MCP session after the 404.
    expect(steps.failures.reconnects).toBe(mode === "auto" ? 0 : 1);
    if (mode === "auto") cluster.nodes[2] = await cluster.startNode(node.nodeId);
  }
  expect(cluster.doubles()).toEqual([]);
});

test("a WebSocket relayed to the owner is closed with 1011 when the owner dies, and connects again once the session moved", async () => {
  const owner = await cluster.startNode("node-4");
  const { id, token } = await cluster.createSession(owner);
  const url = `${cluster.nodes[0]!.url.replace("http", "ws")}/sessions/${id}/ws`;
  const callToken = (ws: WebSocket) =>
    new Promise<string>((resolve) => {
      ws.onmessage = (event) => {
        const message = JSON.parse(String(event.data));
        if (message.id === 1) resolve(message.result.content[0].text);
      };
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "token", arguments: {} } }));
    });
  const open = (ws: WebSocket) => new Promise<void>((resolve) => (ws.onopen = () => resolve()));
  const first = new WebSocket(url);
  await open(first);
  expect(await callToken(first)).toBe(token);
  const closed = new Promise<number>((resolve) => (first.onclose = (event) => resolve(event.code)));
  owner.proc.kill("SIGKILL");
  expect(await closed).toBe(1011);
  // Connecting again: refused (503) while the session moves, then relayed or served where it runs now.
  for (;;) {
    const again = new WebSocket(url);
    const outcome = await new Promise<"open" | "refused">((resolve) => {
      again.onopen = () => resolve("open");
      again.onerror = () => resolve("refused");
    });
    if (outcome === "open") {
      expect(await callToken(again)).toBe(token);
      again.close();
      break;
    }
    await Bun.sleep(100);
  }
});
