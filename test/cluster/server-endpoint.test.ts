/**
 * /servers/{name}/mcp on a cluster with no sticky balancer: a legacy
 * client's initialize is answered by one node, and its later requests
 * (tools/call, the GET stream, DELETE) reach another, which forwards them to
 * the node that holds the client's MCP session. When that node dies, the
 * client's stale Mcp-Session-Id gets 404 through the survivor, and it
 * initializes again. A 2026-07-28 client's retry of an input_required result
 * reaches the node whose call asked for the input. A forged Mcp-Session-Id
 * gets the same 404 as an unknown one, whatever session its prefix names.
 *
 * The "balancer" is the SDK transport's fetch: it sends initialize to one
 * node and everything else to another, as a balancer that does not stick does
 * on two requests in three.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { ADMIN_KEY, KEYS_ENV, KEY_A, KEY_B } from "../security/support.ts";
import { fixture } from "../setup/paths.ts";
import { type RegistryFile, writeRegistry } from "../support/registry-file.ts";
import { modernHeaders, modernMeta, post } from "../live/mcp-http.ts";
import { type ClusterNodeProcess, TestCluster, call, eventually, metric } from "./harness.ts";

const AS_A = { authorization: `Bearer ${KEY_A}` };
const AS_B = { authorization: `Bearer ${KEY_B}` };
const AS_ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const FORWARDED = 'mcp_station_cluster_forwarded_requests_total{result="answered"}';

let cluster: TestCluster;
let registry: RegistryFile;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: {
      changing: { command: "node", args: [fixture("tools-change.mjs")] },
      asker: { command: "node", args: [fixture("client-requests.mjs")] },
    },
  });
  cluster = await TestCluster.start(2, { env: { ...KEYS_ENV, MCP_STATION_SERVERS_FILE: registry.file } });
});

afterAll(async () => {
  await cluster?.teardown();
  registry?.remove();
});

interface Sent {
  method: string;
  rpc: string | undefined;
  node: string;
  status: number;
  contentType: string | null;
}

/** A fetch for the SDK transport: initialize to `initializeAt()`, every other request to `restAt()`; what it sent is kept. */
function splitting(initializeAt: () => ClusterNodeProcess, restAt: () => ClusterNodeProcess, sent: Sent[]) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const rpc = typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }).method : undefined;
    const node = rpc === "initialize" ? initializeAt() : restAt();
    const url = new URL(String(input instanceof Request ? input.url : input));
    const response = await fetch(`${node.url}${url.pathname}${url.search}`, init);
    sent.push({
      method: init?.method ?? "GET",
      rpc,
      node: node.nodeId,
      status: response.status,
      contentType: response.headers.get("content-type"),
    });
    return response;
  };
}

const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;
/** The HTTP status behind an SDK v1 error (its code). */
const statusOf = (error: unknown) => (error as { code?: unknown }).code;

/** A 2026-07-28 tools/call of the asker's ask_sampling through `node`: the server's sampling request comes back as input_required. */
const askSampling = async (node: ClusterNodeProcess, id: number, extra: Record<string, unknown> = {}): Promise<any> =>
  (
    await post(
      `${node.url}/servers/asker/mcp`,
      {
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "ask_sampling", arguments: { prompt: "Say hi" }, ...extra, _meta: modernMeta({ sampling: {} }) },
      },
      { ...modernHeaders("tools/call", "ask_sampling"), accept: "application/json", ...AS_A },
    )
  ).json();

const serverSessions = async (node: ClusterNodeProcess, server: string) =>
  (
    (await call(node, "GET", "/sessions", undefined, AS_A)).body.sessions as { server: string; session_id: string; status: string }[]
  ).filter((s) => s.server === server && s.status !== "exited");

const connect = async (sent: Sent[], initializeAt: () => ClusterNodeProcess, restAt: () => ClusterNodeProcess) => {
  const transport = new TransportV1(new URL(`${cluster.nodes[0]!.url}/servers/changing/mcp`), {
    fetch: splitting(initializeAt, restAt, sent),
    requestInit: { headers: AS_A },
  });
  const client = new ClientV1({ name: "legacy", version: "1.0.0" });
  await client.connect(transport);
  return { client, transport };
};

test("a legacy client initialized on one node is served through the other: calls, the GET stream, DELETE", async () => {
  const [a, b] = [cluster.nodes[0]!, cluster.nodes[1]!];
  const sent: Sent[] = [];
  const forwardedBefore = await metric(b, FORWARDED, AS_ADMIN);
  const { client, transport } = await connect(
    sent,
    () => a,
    () => b,
  );
  expect(sent[0]).toMatchObject({ rpc: "initialize", node: a.nodeId, status: 200 });
  expect(await serverSessions(a, "changing")).toHaveLength(1);
  expect(textOf(await client.callTool({ name: "echo", arguments: { text: "through b" } }))).toBe("through b");

  // The SDK opens the GET stream after notifications/initialized; through b it is the stream a keeps.
  const stream = await eventually(async () => sent.find((s) => s.method === "GET"));
  expect(stream).toMatchObject({ node: b.nodeId, status: 200, contentType: "text/event-stream" });
  const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, async () => resolve()));
  // Asked for a JSON answer, outside the SDK: the request has no stream, so the server's notification can only
  // reach the client on its GET stream, from a through b.
  const added = await post(
    `${b.url}/servers/changing/mcp`,
    { jsonrpc: "2.0", id: "raw-1", method: "tools/call", params: { name: "add_tool", arguments: { name: "late" } } },
    { ...AS_A, "mcp-session-id": transport.sessionId!, accept: "application/json" },
  );
  expect(textOf(((await added.json()) as { result: unknown }).result)).toBe("added late");
  await Promise.race([
    changed,
    Bun.sleep(10_000).then(() => {
      throw new Error("no notifications/tools/list_changed on the GET stream within 10 s");
    }),
  ]);
  expect(textOf(await client.callTool({ name: "late", arguments: {} }))).toBe("late here");

  await transport.terminateSession();
  expect(sent.at(-1)).toMatchObject({ method: "DELETE", node: b.nodeId, status: 200 });
  await client.close();
  // The DELETE reached a: the station session it started for the client ends with it.
  await eventually(async () => ((await serverSessions(a, "changing")).length === 0 ? true : undefined));
  expect(sent.filter((s) => s.rpc !== "initialize").every((s) => s.node === b.nodeId && s.status < 300)).toBe(true);
  expect(await metric(b, FORWARDED, AS_ADMIN)).toBeGreaterThan(forwardedBefore);
});

test("after the owner's death the stale Mcp-Session-Id gets 404 through the survivor, and the client initializes again; a parked call's retry is refused as expired", async () => {
  const owner = await cluster.startNode("node-3");
  const survivor = cluster.nodes[0]!;
  const sent: Sent[] = [];
  let initializeAt = owner;
  const first = await connect(
    sent,
    () => initializeAt,
    () => survivor,
  );
  expect(sent[0]).toMatchObject({ rpc: "initialize", node: owner.nodeId, status: 200 });
  expect(textOf(await first.client.callTool({ name: "echo", arguments: { text: "before" } }))).toBe("before");
  const parked = (await askSampling(owner, 1)).result;
  expect(parked.resultType).toBe("input_required");

  owner.proc.kill("SIGKILL");
  // Until the survivor knows the owner is gone it cannot tell a dead node from a slow one (503, moving);
  // once it does, it knows the MCP session died with it.
  await eventually(async () => {
    const view = await call(survivor, "GET", "/cluster", undefined, AS_ADMIN);
    return view.body.nodes.find((n: { node_id: string }) => n.node_id === owner.nodeId)?.state !== "live" ? true : undefined;
  });
  let stale: unknown;
  try {
    await first.client.callTool({ name: "echo", arguments: { text: "after" } });
  } catch (error) {
    stale = error;
  }
  expect(statusOf(stale)).toBe(404);
  await first.client.close();
  // The call waiting for its answers died with its process: the retry is told so, and starts again from scratch.
  const [question] = Object.keys(parked.inputRequests);
  const retried = await askSampling(survivor, 2, { inputResponses: { [question!]: {} }, requestState: parked.requestState });
  expect(retried.error).toMatchObject({ code: -32602, message: "Invalid or expired requestState" });

  // 404 on the MCP session id: the spec's signal to initialize again; now on the survivor's peer, then through the survivor.
  initializeAt = cluster.nodes[1]!;
  const again = await connect(
    sent,
    () => initializeAt,
    () => survivor,
  );
  expect(textOf(await again.client.callTool({ name: "echo", arguments: { text: "again" } }))).toBe("again");
  await again.transport.terminateSession();
  await again.client.close();
});

test("a 2026-07-28 client's retry of an input_required result reaches the node whose call asked", async () => {
  const [a, b] = [cluster.nodes[0]!, cluster.nodes[1]!];
  const first = (await askSampling(a, 1)).result;
  expect(first.resultType).toBe("input_required");
  const [question] = Object.keys(first.inputRequests);
  const sample = { role: "assistant", content: { type: "text", text: "hi!" }, model: "m" };
  const done = await askSampling(b, 2, { inputResponses: { [question!]: sample }, requestState: first.requestState });
  expect(done.result?.resultType).toBe("complete");
  expect(JSON.parse(done.result.content[0].text)).toEqual(sample);
});

test("a forged Mcp-Session-Id gets the 404 of an unknown one, whatever session its prefix names", async () => {
  const [a, b] = [cluster.nodes[0]!, cluster.nodes[1]!];
  const url = (node: ClusterNodeProcess) => `${node.url}/servers/changing/mcp`;
  const initialize = { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } };
  const opened = await post(
    url(a),
    { jsonrpc: "2.0", id: 0, method: "initialize", params: initialize },
    { ...AS_A, accept: "application/json" },
  );
  expect(opened.status).toBe(200);
  const real = opened.headers.get("mcp-session-id")!;
  const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
  const [stationSession] = await serverSessions(a, "changing");
  const dot = real.lastIndexOf(".");
  const forgedOnRealPrefix = `${real.slice(0, dot + 1)}${"A".repeat(real.length - dot - 1)}`;
  const attempts: { id: string; auth: Record<string, string> }[] = [
    // Another tenant holding the real id: the owner checks the caller as it always did.
    { id: real, auth: AS_B },
    // A's own tenant with a made-up rest on A's prefix: routed to the owner, which holds no such id.
    { id: forgedOnRealPrefix, auth: AS_A },
    { id: forgedOnRealPrefix, auth: AS_B },
    // A prefix naming no session, and an id with no prefix at all.
    { id: `${crypto.randomUUID()}.${"B".repeat(24)}`, auth: AS_A },
    { id: crypto.randomUUID(), auth: AS_A },
  ];
  const unknown = await (await post(url(b), list, { ...AS_A, "mcp-session-id": "made-up" })).text();
  for (const node of [a, b]) {
    for (const { id, auth } of attempts) {
      for (const request of [
        () => post(url(node), list, { ...auth, "mcp-session-id": id }),
        () => fetch(url(node), { headers: { ...auth, accept: "text/event-stream", "mcp-session-id": id } }),
        () => fetch(url(node), { method: "DELETE", headers: { ...auth, "mcp-session-id": id } }),
      ]) {
        const answer = await request();
        expect(answer.status).toBe(404);
        const body = await answer.text();
        expect(body).toBe(unknown);
        expect(body).not.toContain(stationSession!.session_id);
      }
    }
  }
  // The real MCP session is untouched, through either node.
  for (const node of [a, b]) {
    const still = await post(url(node), list, { ...AS_A, "mcp-session-id": real, accept: "application/json" });
    expect(still.status).toBe(200);
  }
  expect((await fetch(url(b), { method: "DELETE", headers: { ...AS_A, "mcp-session-id": real } })).status).toBe(200);
});
