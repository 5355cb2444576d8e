/**
 * /servers/{name}/mcp for registry entries: a legacy client's initialize
 * starts a station session of its own, ended by DELETE; modern stateless
 * requests are spread over a pool of the server's processes that grows when
 * all are busy (up to MCP_STATION_POOL_MAX) and shrinks when idle.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { KEYS_ENV, KEY_A, KEY_B } from "../security/support.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
let registryFile: string;
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "station-registry-"));
  registryFile = join(dir, "servers.json");
  writeFileSync(
    registryFile,
    JSON.stringify({
      mcpServers: { echo: { command: "node", args: [fixture("echo.mjs")] }, modern: { command: "node", args: [fixture("modern.mjs")] } },
    }),
  );
  station = await startStation({ MCP_STATION_SERVERS_FILE: registryFile, MCP_STATION_POOL_MAX: "2", MCP_STATION_POOL_IDLE_MS: "1000" });
});
afterAll(() => station.stop());

const sessionsOf = async (server: string) =>
  ((await station.call("GET", "/sessions")).body.sessions as { server: string | null; status: string }[]).filter(
    (s) => s.server === server && s.status !== "exited",
  );
const text = (result: unknown) => (result as { content: { text: string }[] }).content[0].text;

describe("registered servers as MCP endpoints", () => {
  test("a legacy client gets a session of its own on initialize, and DELETE ends it", async () => {
    const client = new ClientV1({ name: "v1", version: "1" });
    const transport = new TransportV1(new URL(`${station.url}/servers/echo/mcp`));
    await client.connect(transport);
    expect(await sessionsOf("echo")).toHaveLength(1);
    expect(text(await client.callTool({ name: "echo", arguments: { text: "via the registry" } }))).toBe("via the registry");
    await transport.terminateSession();
    await client.close();
    await eventually(async () => (await sessionsOf("echo")).length === 0);
  });

  test("modern stateless requests share a pool that grows to its bound when busy and shrinks when idle", async () => {
    const client = new ClientV2({ name: "v2", version: "2" }, { versionNegotiation: { mode: "auto" } });
    await client.connect(new TransportV2(new URL(`${station.url}/servers/echo/mcp`)));
    const calls = [1, 2, 3].map(() => client.callTool({ name: "slow", arguments: { ms: 400 } }));
    const results = await Promise.all(calls);
    expect(results.map(text)).toEqual(["slept 400", "slept 400", "slept 400"]);
    expect((await sessionsOf("echo")).length).toBe(2);
    await client.close();
    await eventually(async () => (await sessionsOf("echo")).length === 0, 10_000);
  });

  test("a modern server's input_required retry reaches the process that asked", async () => {
    const client = new ClientV2({ name: "v2", version: "2" }, { capabilities: { elicitation: {} }, versionNegotiation: { mode: "auto" } });
    client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { ok: true } }));
    await client.connect(new TransportV2(new URL(`${station.url}/servers/modern/mcp`)));
    expect(text(await client.callTool({ name: "confirm", arguments: {} }))).toBe("confirmed: true");
    await client.close();
  });

  test("an unknown name is 404", async () => {
    const res = await fetch(`${station.url}/servers/nope/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "x", version: "1" } },
      }),
    });
    expect(res.status).toBe(404);
  });

  test("another tenant's Mcp-Session-Id is answered like an unknown one: a 404 that names no station session", async () => {
    const secured = await startStation({ ...KEYS_ENV, MCP_STATION_SERVERS_FILE: registryFile });
    try {
      const url = `${secured.url}/servers/echo/mcp`;
      const headers = (key: string, extra: Record<string, string> = {}) => ({
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${key}`,
        ...extra,
      });
      const init = {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "a", version: "1" } },
      };
      const opened = await fetch(url, {
        method: "POST",
        headers: headers(KEY_A, { accept: "application/json" }),
        body: JSON.stringify(init),
      });
      expect(opened.status).toBe(200);
      const mcpSessionId = opened.headers.get("mcp-session-id")!;
      const own = await secured.call("GET", "/sessions", undefined, { authorization: `Bearer ${KEY_A}` });
      const stationSessionId: string = own.body.sessions.find((s: { server: string }) => s.server === "echo").session_id;
      const list = { jsonrpc: "2.0", id: 1, method: "tools/list" };
      const unknown = await fetch(url, {
        method: "POST",
        headers: headers(KEY_B, { "mcp-session-id": crypto.randomUUID() }),
        body: JSON.stringify(list),
      });
      const answers = [
        await fetch(url, { method: "POST", headers: headers(KEY_B, { "mcp-session-id": mcpSessionId }), body: JSON.stringify(list) }),
        await fetch(url, { headers: headers(KEY_B, { "mcp-session-id": mcpSessionId, accept: "text/event-stream" }) }),
        await fetch(url, { method: "DELETE", headers: headers(KEY_B, { "mcp-session-id": mcpSessionId }) }),
      ];
      const unknownBody = await unknown.text();
      expect(unknown.status).toBe(404);
      for (const answer of answers) {
        expect(answer.status).toBe(404);
        const body = await answer.text();
        expect(body).not.toContain(stationSessionId);
        // Indistinguishable from a made-up Mcp-Session-Id.
        expect(body).toBe(unknownBody);
      }
      // Tenant A's MCP session is untouched.
      const still = await fetch(url, {
        method: "POST",
        headers: headers(KEY_A, { "mcp-session-id": mcpSessionId, accept: "application/json" }),
        body: JSON.stringify(list),
      });
      expect(still.status).toBe(200);
    } finally {
      await secured.stop();
    }
  });
});
