/**
 * Access rules from the registry file, against server-everything on every
 * channel: a tenant sees in tools/list only the tools the rules give it, and
 * a tools/call of another is refused with access_denied (-32017), through
 * /mcp/request, the WebSocket, /sessions/{id}/mcp and /servers/{name}/mcp
 * (legacy clients and 2026-07-28 requests); a tenant starts only the
 * registered servers the rules name, and GET /servers lists only those.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { SignJWT } from "jose";
import { RpcCode } from "../../src/errors.ts";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY, fixture } from "../setup/paths.ts";
import { modernCall, modernHeaders, modernMeta, post } from "../live/mcp-http.ts";
import { openSocket } from "../live/support.ts";
import { ADMIN_KEY, KEY_A, KEY_B, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

/** What team a may use of server-everything: echo and the get-* tools, but not get-env (it shows the server's environment). */
const A_TOOLS = [
  "echo",
  "get-annotated-message",
  "get-resource-links",
  "get-resource-reference",
  "get-roots-list",
  "get-structured-content",
  "get-sum",
  "get-tiny-image",
];

const REGISTRY = {
  mcpServers: {
    everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] },
    echo: { command: "node", args: [fixture("echo.mjs")] },
    params: { command: "node", args: [fixture("param-headers.mjs")] },
  },
  access: {
    rules: [
      { tenants: ["a"], servers: ["everything"], tools: { allow: ["echo", "get-*"], deny: ["get-env"] } },
      { tenants: ["b"], servers: ["echo"] },
      // deploy declares Mcp-Param headers: a call to it must be refused as hidden, not answered with a header mismatch.
      { tenants: ["b"], servers: ["params"], tools: { deny: ["deploy"] } },
      { admin: true, servers: ["*"] },
      // Token callers: by scope and by claim, whatever their tenant.
      { scopes: ["mcp:echo"], servers: ["everything"], tools: { allow: ["echo"] } },
      { claims: { groups: "maths" }, servers: ["everything"], tools: { allow: ["get-sum"] } },
    ],
  },
};

const JWT_SECRET = "an HS256 secret of at least 32 characters";

function token(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setExpirationTime("5m").sign(new TextEncoder().encode(JWT_SECRET));
}

let station: LoggedStation;
let sessionOfA: string;

beforeAll(async () => {
  const dir = `${Bun.env.TMPDIR ?? "/tmp"}/access-rules-${process.pid}`;
  await Bun.write(`${dir}/servers.json`, JSON.stringify(REGISTRY));
  station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_JWT_SECRET: JWT_SECRET, MCP_STATION_SERVERS_FILE: `${dir}/servers.json` });
  const created = await station.call("POST", "/sessions", { server: "everything" }, station.as(KEY_A));
  expect(created.status).toBe(200);
  sessionOfA = created.body.session_id;
});

afterAll(async () => {
  await station?.stop();
});

const names = (tools: { name: string }[]) => tools.map((tool) => tool.name).sort();

describe("starting registered servers", () => {
  test("GET /servers lists only the servers the rules give the caller", async () => {
    const listed = async (key: string) =>
      (await station.call("GET", "/servers", undefined, station.as(key))).body.servers.map((s: any) => s.name);
    expect(await listed(KEY_A)).toEqual(["everything"]);
    expect(await listed(KEY_B)).toEqual(["echo", "params"]);
    expect(await listed(ADMIN_KEY)).toEqual(["everything", "echo", "params"]);
  });

  test("a server the rules do not give the tenant is refused with 403 access_denied, by POST /sessions and by /servers/{name}/mcp", async () => {
    const refused = await station.call("POST", "/sessions", { server: "everything" }, station.as(KEY_B));
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe(RpcCode.AccessDenied);
    expect(refused.body.error.data).toMatchObject({ type: "access_denied", server: "everything" });
    expect(refused.body.error.message).toBe("server everything is not allowed for tenant b by the access rules");

    const endpoint = await post(
      `${station.url}/servers/everything/mcp`,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
      { authorization: `Bearer ${KEY_B}`, accept: "application/json" },
    );
    expect(endpoint.status).toBe(403);
    expect(station.manager.list().filter((s) => s.spec.owner === "b")).toEqual([]);
  });
});

describe("tools on every channel", () => {
  test("/mcp/request: the list holds the allowed tools only; a denied call is 403 access_denied, an allowed one works", async () => {
    const list = await station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionOfA, method: "tools/list", params: {} },
      station.as(KEY_A),
    );
    expect(names(list.body.data.tools)).toEqual(A_TOOLS);
    const denied = await station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionOfA, method: "tools/call", params: { name: "get-env", arguments: {} } },
      station.as(KEY_A),
    );
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: RpcCode.AccessDenied,
      message: 'tool "get-env" of everything is not allowed for tenant a by the access rules',
      data: { type: "access_denied", tool: "get-env", server: "everything" },
    });
    const sum = await station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionOfA, method: "tools/call", params: { name: "get-sum", arguments: { a: 2, b: 3 } } },
      station.as(KEY_A),
    );
    expect(sum.body.data.content[0].text).toContain("5");
  });

  test("the rules follow the caller, not the session: an admin on team a's session sees and calls every tool", async () => {
    const list = await station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionOfA, method: "tools/list", params: {} },
      station.as(ADMIN_KEY),
    );
    // What the rules keep from team a is really there: the filter removed tools, it did not lose them.
    expect(names(list.body.data.tools)).toEqual(expect.arrayContaining([...A_TOOLS, "get-env", "trigger-long-running-operation"]));
    const env = await station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionOfA, method: "tools/call", params: { name: "get-env", arguments: {} } },
      station.as(ADMIN_KEY),
    );
    expect(env.body.success).toBe(true);
  });

  test("the WebSocket: the list is filtered, a denied call is the JSON-RPC error -32017", async () => {
    const socket = await openSocket(`${station.url.replace("http", "ws")}/sessions/${sessionOfA}/ws`, { authorization: `Bearer ${KEY_A}` });
    socket.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
    socket.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "get-env", arguments: {} } });
    socket.send({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "echo", arguments: { message: "ws" } } });
    expect(names((await socket.next((m) => m.id === 1)).result.tools)).toEqual(A_TOOLS);
    const denied = await socket.next((m) => m.id === 2);
    expect(denied.error).toMatchObject({ code: RpcCode.AccessDenied, data: { type: "access_denied", tool: "get-env" } });
    expect((await socket.next((m) => m.id === 3)).result.content[0].text).toBe("Echo: ws");
    socket.ws.close();
  });

  for (const path of ["/sessions/{id}/mcp", "/servers/everything/mcp"]) {
    test(`${path} with the official SDK client: listTools is filtered, callTool of a denied tool fails with -32017`, async () => {
      const url = new URL(station.url + path.replace("{id}", sessionOfA));
      const client = new Client({ name: "access-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${KEY_A}` } } }));
      expect(names((await client.listTools()).tools)).toEqual(A_TOOLS);
      await expect(client.callTool({ name: "get-env", arguments: {} })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
      expect((await client.callTool({ name: "echo", arguments: { message: "sdk" } })).content).toEqual([
        { type: "text", text: "Echo: sdk" },
      ]);
      await client.close();
    });

    test(`${path} with 2026-07-28 stateless requests: tools/list is filtered, a denied tools/call is -32017`, async () => {
      const url = station.url + path.replace("{id}", sessionOfA);
      const auth = { authorization: `Bearer ${KEY_A}` };
      const list = await post(
        url,
        { jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: modernMeta() } },
        modernHeaders("tools/list", undefined, { accept: "application/json", ...auth }),
      );
      expect(names(((await list.json()) as any).result.tools)).toEqual(A_TOOLS);
      const denied = (await (await modernCall(url, 2, "get-env", {}, auth)).json()) as any;
      expect(denied.error).toMatchObject({ code: RpcCode.AccessDenied, data: { type: "access_denied", tool: "get-env" } });
      const echoed = (await (await modernCall(url, 3, "echo", { message: "modern" }, auth)).json()) as any;
      expect(echoed.result.content).toEqual([{ type: "text", text: "Echo: modern" }]);
    });
  }

  test("a denied tool that declares Mcp-Param headers is refused as access_denied, not described by a header_mismatch", async () => {
    const created = await station.call("POST", "/sessions", { server: "params" }, station.as(KEY_B));
    expect(created.status).toBe(200);
    const url = `${station.url}/sessions/${created.body.session_id}/mcp`;
    // region is mirrored into the Region header, which this call leaves out: a visible tool would get header_mismatch.
    const denied = (await (await modernCall(url, 1, "deploy", { region: "eu" }, { authorization: `Bearer ${KEY_B}` })).json()) as any;
    expect(denied.error).toMatchObject({ code: RpcCode.AccessDenied, data: { type: "access_denied", tool: "deploy" } });
  });
});

describe("rules on a token's scope and claims", () => {
  test("a scope gives echo, a group claim gives get-sum, both give both; the same on a session of their own", async () => {
    const byScope = { authorization: `Bearer ${await token({ sub: "c", scope: "openid mcp:echo" })}` };
    const byClaim = { authorization: `Bearer ${await token({ sub: "c", groups: ["staff", "maths"] })}` };
    const byBoth = { authorization: `Bearer ${await token({ sub: "c", scope: "mcp:echo", groups: ["maths"] })}` };
    const created = await station.call("POST", "/sessions", { server: "everything" }, byScope);
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    const listed = async (headers: Record<string, string>) =>
      names((await station.call("POST", "/mcp/request", { session_id: id, method: "tools/list" }, headers)).body.data.tools);
    expect(await listed(byScope)).toEqual(["echo"]);
    expect(await listed(byClaim)).toEqual(["get-sum"]);
    expect(await listed(byBoth)).toEqual(["echo", "get-sum"]);
    const call = (headers: Record<string, string>, name: string) =>
      station.call(
        "POST",
        "/mcp/request",
        { session_id: id, method: "tools/call", params: { name, arguments: { a: 1, b: 2, message: "x" } } },
        headers,
      );
    expect((await call(byScope, "get-sum")).status).toBe(403);
    expect((await call(byClaim, "get-sum")).body.success).toBe(true);
    // A token with neither starts nothing.
    const neither = { authorization: `Bearer ${await token({ sub: "c", scope: "openid" })}` };
    expect((await station.call("POST", "/sessions", { server: "everything" }, neither)).status).toBe(403);
  });
});
