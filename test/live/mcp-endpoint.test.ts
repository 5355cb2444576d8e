/**
 * /sessions/{id}/mcp over raw HTTP, for what the SDK clients do not show:
 * the transport's error answers (session id, protocol version, routing
 * headers), DELETE, resuming a legacy stream with Last-Event-ID, the modern
 * subscriptions/listen stream, a clear error (never a hang) when a client
 * cannot give the input a server asks for, and auth/ownership/Origin exactly
 * as on the REST API.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MODERN_VERSION } from "../../src/protocol/versions.ts";
import { fixture } from "../setup/paths.ts";
import { KEYS_ENV, KEY_A, KEY_B } from "../security/support.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { SseReader } from "./support.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

const BOTH = "application/json, text/event-stream";

async function endpoint(file = "echo.mjs", extra: Record<string, unknown> = {}, on = station): Promise<string> {
  const created = await on.create({ server_type: "node", server_command: fixture(file), ...extra });
  expect(created.status).toBe(200);
  return `${on.url}/sessions/${created.body.session_id}/mcp`;
}

const jsonOf = (res: Response): Promise<any> => res.json();

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: BOTH, ...headers },
    body: JSON.stringify(body),
  });
}

async function initialize(url: string, capabilities: Record<string, unknown> = {}): Promise<string> {
  const res = await post(
    url,
    {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities, clientInfo: { name: "raw", version: "1" } },
    },
    { accept: "application/json" },
  );
  expect(res.status).toBe(200);
  const body = await jsonOf(res);
  expect(body.result.protocolVersion).toBe("2025-06-18");
  return res.headers.get("mcp-session-id")!;
}

const modernMeta = (capabilities: Record<string, unknown> = {}) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": capabilities,
});
const modernHeaders = (method: string, name?: string) => ({
  "mcp-protocol-version": MODERN_VERSION,
  "mcp-method": method,
  ...(name ? { "mcp-name": name } : {}),
});

describe("legacy clients (2025-03-26 .. 2025-11-25)", () => {
  test("requests need the Mcp-Session-Id that initialize gave; an unknown one is 404; a bad protocol version is 400", async () => {
    const url = await endpoint();
    const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
    expect((await post(url, list)).status).toBe(400);
    expect((await post(url, list, { "mcp-session-id": "nope" })).status).toBe(404);
    const sid = await initialize(url);
    expect((await post(url, list, { "mcp-session-id": sid, "mcp-protocol-version": "1999-01-01" })).status).toBe(400);
    const ok = await post(url, list, { "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18", accept: "application/json" });
    expect(ok.status).toBe(200);
    expect((await jsonOf(ok)).result.tools[0].name).toBe("echo");
    expect((await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, { "mcp-session-id": sid })).status).toBe(202);
    const parse = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: BOTH, "mcp-session-id": sid },
      body: "{nope",
    });
    expect(parse.status).toBe(400);
    expect((await jsonOf(parse)).error.code).toBe(-32700);
  });

  test("DELETE ends the client's MCP session (not the station session)", async () => {
    const url = await endpoint();
    const sid = await initialize(url);
    expect((await fetch(url, { method: "DELETE", headers: { "mcp-session-id": sid } })).status).toBe(200);
    expect((await post(url, { jsonrpc: "2.0", id: 1, method: "tools/list" }, { "mcp-session-id": sid })).status).toBe(404);
    const again = await initialize(url);
    expect(again).not.toBe(sid);
  });

  test("a POST stream dropped mid-request is resumed with GET and Last-Event-ID, and the answer is not lost", async () => {
    const url = await endpoint();
    const sid = await initialize(url);
    const res = await post(
      url,
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "progress", arguments: { steps: 4, intervalMs: 150 }, _meta: { progressToken: "p" } },
      },
      { "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const first = new SseReader(res);
    const progress = await first.until((e) => e.data.includes("notifications/progress"));
    await first.cancel();
    const resumed = new SseReader(
      await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": progress.id! } }),
    );
    const events = await resumed.drain();
    const messages = events.filter((e) => e.data).map((e) => JSON.parse(e.data));
    expect(messages.at(-1)).toEqual({ jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "done 4" }] } });
    const steps = messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress);
    expect(steps).toEqual([2, 3, 4]);
  });

  test("only one GET stream per MCP session", async () => {
    const url = await endpoint();
    const sid = await initialize(url);
    const get = () => fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid } });
    const first = await get();
    expect(first.status).toBe(200);
    expect((await get()).status).toBe(409);
    await first.body?.cancel();
  });
});

describe("modern clients (2026-07-28)", () => {
  test("server/discover describes a legacy server as a 2026-07-28 one", async () => {
    const url = await endpoint();
    const res = await post(
      url,
      { jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: modernMeta() } },
      modernHeaders("server/discover"),
    );
    const body = await jsonOf(res);
    expect(body.result).toMatchObject({ resultType: "complete", supportedVersions: [MODERN_VERSION], ttlMs: 0, cacheScope: "private" });
    expect(body.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("echo");
  });

  test("the routing headers are checked against the body (-32020), the version too (-32022), removed methods are 404", async () => {
    const url = await endpoint();
    const callBody = {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "x" }, _meta: modernMeta() },
    };
    const wrongName = await post(url, callBody, modernHeaders("tools/call", "other"));
    expect(wrongName.status).toBe(400);
    expect((await jsonOf(wrongName)).error.code).toBe(-32020);
    const noName = await post(url, callBody, modernHeaders("tools/call"));
    expect((await jsonOf(noName)).error.code).toBe(-32020);
    const b64 = await post(url, callBody, modernHeaders("tools/call", `=?base64?${btoa("echo")}?=`));
    expect(b64.status).toBe(200);
    expect((await jsonOf(b64)).result).toMatchObject({ content: [{ type: "text", text: "x" }], resultType: "complete" });
    const old = {
      ...callBody,
      params: { ...callBody.params, _meta: { ...modernMeta(), "io.modelcontextprotocol/protocolVersion": "2027-01-01" } },
    };
    const unsupported = await post(url, old, { ...modernHeaders("tools/call", "echo"), "mcp-protocol-version": "2027-01-01" });
    expect(unsupported.status).toBe(400);
    expect((await jsonOf(unsupported)).error).toMatchObject({
      code: -32022,
      data: { supported: [MODERN_VERSION], requested: "2027-01-01" },
    });
    const ping = await post(url, { jsonrpc: "2.0", id: 2, method: "ping", params: { _meta: modernMeta() } }, modernHeaders("ping"));
    expect(ping.status).toBe(404);
    expect((await jsonOf(ping)).error.code).toBe(-32601);
  });

  test("a legacy server's sampling request for a client that did not declare sampling is -32021 (the 2026 answer), not a hang", async () => {
    const url = await endpoint("client-requests.mjs", { client_capabilities: { sampling: {} } });
    const res = await post(
      url,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "ask_sampling", arguments: { timeoutMs: 30_000 }, _meta: modernMeta() },
      },
      modernHeaders("tools/call", "ask_sampling"),
    );
    expect(res.status).toBe(400);
    expect((await jsonOf(res)).error).toEqual({
      code: -32021,
      message: "Missing required client capability: sampling",
      data: { requiredCapabilities: { sampling: {} } },
    });
  });

  test("a legacy server's request becomes an input request named after its own id, answered under that key", async () => {
    const url = await endpoint("client-requests.mjs", { client_capabilities: { sampling: {} } });
    const ask = (id: number, extra: Record<string, unknown> = {}) =>
      post(
        url,
        {
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "ask_sampling", arguments: { prompt: "Say hi" }, ...extra, _meta: modernMeta({ sampling: {} }) },
        },
        { ...modernHeaders("tools/call", "ask_sampling"), accept: "application/json" },
      );
    const first = (await jsonOf(await ask(1))).result;
    // The fixture's ping on start was "s1": its sampling request is "s2".
    expect(first.resultType).toBe("input_required");
    expect(Object.keys(first.inputRequests)).toEqual(["s2"]);
    expect(first.inputRequests.s2.method).toBe("sampling/createMessage");
    const sample = { role: "assistant", content: { type: "text", text: "hi!" }, model: "m" };
    const done = (await jsonOf(await ask(2, { inputResponses: { s2: sample }, requestState: first.requestState }))).result;
    expect(done.resultType).toBe("complete");
    expect(JSON.parse(done.content[0].text)).toEqual(sample);
  });

  test("a retry with an unknown requestState is refused", async () => {
    const url = await endpoint("client-requests.mjs");
    const res = await post(
      url,
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "ask_sampling", arguments: {}, requestState: "forged", inputResponses: {}, _meta: modernMeta() },
      },
      modernHeaders("tools/call", "ask_sampling"),
    );
    expect((await jsonOf(res)).error).toMatchObject({ code: -32602, message: "Invalid or expired requestState" });
  });

  test("subscriptions/listen acknowledges, then carries the list changes the client opted in to", async () => {
    const url = await endpoint("sdk-v1-server.mjs");
    const res = await post(
      url,
      {
        jsonrpc: "2.0",
        id: "listen-1",
        method: "subscriptions/listen",
        params: { notifications: { toolsListChanged: true }, _meta: modernMeta() },
      },
      modernHeaders("subscriptions/listen"),
    );
    const sse = new SseReader(res);
    const ack = JSON.parse((await sse.until((e) => e.data.includes("acknowledged"))).data);
    expect(ack.params).toEqual({
      notifications: { toolsListChanged: true },
      _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" },
    });
    await sse.cancel();
  });
});

describe("auth and ownership apply as on the REST API", () => {
  test("another tenant's session is not found; no key is 401; a foreign Origin is 403", async () => {
    const secured = await startStation(KEYS_ENV);
    try {
      const created = await secured.call(
        "POST",
        "/sessions",
        { server_type: "node", server_command: fixture("echo.mjs") },
        { authorization: `Bearer ${KEY_A}` },
      );
      expect(created.status).toBe(200);
      const url = `${secured.url}/sessions/${created.body.session_id}/mcp`;
      const init = {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      };
      expect((await post(url, init)).status).toBe(401);
      expect((await post(url, init, { authorization: `Bearer ${KEY_B}` })).status).toBe(404);
      expect((await post(url, init, { authorization: `Bearer ${KEY_A}`, origin: "http://evil.example" })).status).toBe(403);
      expect((await post(url, init, { authorization: `Bearer ${KEY_A}` })).status).toBe(200);
      const ws = await fetch(url.replace(/mcp$/, "ws"), {
        headers: {
          authorization: `Bearer ${KEY_B}`,
          upgrade: "websocket",
          connection: "upgrade",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-version": "13",
        },
      });
      expect(ws.status).toBe(404);
      const events = await fetch(url.replace(/mcp$/, "events"), {
        headers: { authorization: `Bearer ${KEY_B}`, accept: "text/event-stream" },
      });
      expect(events.status).toBe(404);
    } finally {
      await secured.stop();
    }
  });
});
