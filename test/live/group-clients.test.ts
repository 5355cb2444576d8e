/**
 * The official MCP clients, unmodified, against a group's endpoint
 * (/servers/{group}/mcp, docs/groups.md): the TypeScript SDK v1 (legacy era)
 * and v2 (2026-07-28, stateless, bridged by the station), the Python SDK 2.x
 * and 1.x, and the WebSocket channel. Each lists the
 * members' tools under the group's names, calls across members, gets a
 * member's progress, answers a legacy member's sampling and a modern
 * member's elicitation, and hears a member's list change.
 */
import { type RegistryFile, writeRegistry } from "../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { PYTHON_MCP1, PYTHON_MCP2, fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { openSocket } from "./support.ts";
import { type TestStation, startStation } from "../support/station.ts";

let registry: RegistryFile;
let station: TestStation;
let endpoint: URL;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: {
      echo: { command: fixture("echo.mjs") },
      v1: { command: "node", args: [fixture("sdk-v1-server.mjs")] },
      asks: { command: fixture("client-requests.mjs") },
      modern: { command: fixture("modern.mjs") },
      changing: { command: fixture("tools-change.mjs") },
    },
    mcpGroups: {
      front: { members: ["echo", "v1", "asks", "modern", "changing"] },
      // client-requests.mjs first, so the tools the Python clients' scripts call keep their names.
      pyfront: { members: ["asks", "v1"] },
    },
  });
  const serversFile = registry.file;
  station = await startStation({ MCP_STATION_SERVERS_FILE: serversFile });
  endpoint = new URL(`${station.url}/servers/front/mcp`);
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

const textOf = (result: unknown) => (result as { content: { text: string }[] }).content[0]!.text;

describe("TypeScript SDK v1 on /servers/{group}/mcp", () => {
  test("lists and calls across members, gets progress, answers sampling and elicitation, hears list_changed", async () => {
    const client = new ClientV1({ name: "sdk-v1", version: "1.0.0" }, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: "assistant",
      content: { type: "text", text: "sampled by v1" },
      model: "fake",
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { ok: true } }));
    let listChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      listChanged += 1;
    });
    await client.connect(new TransportV1(endpoint));
    try {
      expect(client.getServerVersion()?.name).toBe("front");
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(["echo", "v1__echo", "add", "ask_sampling", "modern__echo", "confirm", "add_tool"]));
      expect(textOf(await client.callTool({ name: "v1__echo", arguments: { text: "to the SDK" } }))).toBe("to the SDK");
      expect(textOf(await client.callTool({ name: "add", arguments: { a: 20, b: 22 } }))).toBe("42");
      const progress: number[] = [];
      const done = await client.callTool({ name: "asks__progress", arguments: { steps: 3 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(textOf(done)).toBe("done 3");
      expect(progress).toEqual([1, 2, 3]);
      // A legacy member's sampling request reaches the group's client.
      const sampled = JSON.parse(textOf(await client.callTool({ name: "ask_sampling", arguments: {} })));
      expect(sampled.content.text).toBe("sampled by v1");
      // A modern member's input_required becomes an elicitation request to the group's client.
      expect(textOf(await client.callTool({ name: "confirm", arguments: {} }))).toBe("confirmed: true");
      // A member's list change reaches the group's client.
      await client.callTool({ name: "add_tool", arguments: { name: "late" } });
      expect(await eventually(() => listChanged > 0)).toBe(true);
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("late");
    } finally {
      await client.close();
    }
  });
});

describe("a group session's own endpoint, /sessions/{id}/mcp", () => {
  test("serves the group created by POST /sessions to an official client, like a single server's session", async () => {
    const created = await station.create({ server: "front" });
    expect(created.status).toBe(200);
    const client = new ClientV1({ name: "sdk-v1", version: "1.0.0" });
    await client.connect(new TransportV1(new URL(`${station.url}/sessions/${created.body.session_id}/mcp`)));
    try {
      expect(client.getServerVersion()?.name).toBe("front");
      expect(textOf(await client.callTool({ name: "v1__echo", arguments: { text: "same session" } }))).toBe("same session");
    } finally {
      await client.close();
    }
    await station.call("DELETE", `/sessions/${created.body.session_id}`);
  });
});

describe("TypeScript SDK v2 on /servers/{group}/mcp", () => {
  test("negotiates 2026-07-28 and lists, calls, gets progress and answers sampling and elicitation across members", async () => {
    const client = new ClientV2(
      { name: "sdk-v2", version: "2.0.0" },
      { capabilities: { sampling: {}, elicitation: {} }, versionNegotiation: { mode: "auto" } },
    );
    client.setRequestHandler("sampling/createMessage", async () => ({
      role: "assistant",
      content: { type: "text", text: "sampled by v2" },
      model: "fake",
    }));
    client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { ok: true } }));
    await client.connect(new TransportV2(endpoint));
    try {
      expect((client as unknown as { _negotiatedProtocolVersion: string })._negotiatedProtocolVersion).toBe("2026-07-28");
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(["echo", "v1__echo", "add", "ask_sampling", "confirm"]));
      expect(textOf(await client.callTool({ name: "modern__echo", arguments: { text: "to the modern one" } }))).toBe("to the modern one");
      const progress: number[] = [];
      const done = await client.callTool({ name: "progress", arguments: { steps: 3 } }, { onprogress: (p) => progress.push(p.progress) });
      expect(textOf(done)).toBe("done 3");
      expect(progress).toEqual([1, 2, 3]);
      const sampled = JSON.parse(textOf(await client.callTool({ name: "ask_sampling", arguments: {} })));
      expect(sampled.content.text).toBe("sampled by v2");
      expect(textOf(await client.callTool({ name: "confirm", arguments: {} }))).toBe("confirmed: true");
    } finally {
      await client.close();
    }
  });
});

describe("the WebSocket channel on a group session", () => {
  test("calls across members, gets a member's progress and answers a legacy member's sampling request", async () => {
    const created = await station.create({ server: "front", client_capabilities: { sampling: {} } });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    const socket = await openSocket(`${station.url.replace("http", "ws")}/sessions/${id}/ws`);
    try {
      socket.send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: { sampling: {} }, clientInfo: { name: "ws", version: "1" } },
      });
      expect((await socket.next((m) => m.id === 1)).result.serverInfo.name).toBe("front");
      socket.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "add", arguments: { a: 4, b: 5 } } });
      expect((await socket.next((m) => m.id === 2)).result.content[0].text).toBe("9");
      socket.send({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "progress", arguments: { steps: 2 }, _meta: { progressToken: "ws-token" } },
      });
      expect((await socket.next((m) => m.id === 3)).result.content[0].text).toBe("done 2");
      const progress = socket.messages.filter((m) => m.method === "notifications/progress");
      expect(progress.map((m) => [m.params.progressToken, m.params.progress])).toEqual([
        ["ws-token", 1],
        ["ws-token", 2],
      ]);
      socket.send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { name: "ask_sampling", arguments: {} } });
      const asked = await socket.next((m) => m.method === "sampling/createMessage");
      socket.send({
        jsonrpc: "2.0",
        id: asked.id,
        result: { role: "assistant", content: { type: "text", text: "over ws" }, model: "fake" },
      });
      const sampled = JSON.parse((await socket.next((m) => m.id === 4)).result.content[0].text);
      expect(sampled.content.text).toBe("over ws");
    } finally {
      socket.ws.close();
    }
    await station.call("DELETE", `/sessions/${id}`);
  });
});

describe("the Python SDK clients on /servers/{group}/mcp", () => {
  async function runPython(python: string, script: string, args: string[]): Promise<Record<string, any>> {
    const child = Bun.spawn([python, fixture(`../live/python/${script}`), ...args], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`);
    return Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .map((row) => [row.step, row.value]),
    );
  }
  const url = () => `${station.url}/servers/pyfront/mcp`;
  const expectFullRun = (steps: Record<string, any>, version: string) => {
    expect(steps.version).toBe(version);
    expect(steps.tools).toEqual(expect.arrayContaining(["ask_sampling", "v1__echo", "add"]));
    expect(steps.progress).toEqual({ text: "done 3", progress: [1, 2, 3] });
    expect(steps.log).toEqual({ text: "logged", logs: ["hi log"] });
    expect(JSON.parse(steps.sampling).content.text).toBe("hello from python");
    expect(JSON.parse(steps.elicitation)).toEqual({ action: "accept", content: { name: "Ada" } });
  };

  test("mcp 2.x, auto (2026-07-28) and legacy", async () => {
    expectFullRun(await runPython(PYTHON_MCP2, "mcp2_client.py", [url(), "auto"]), "2026-07-28");
    expectFullRun(await runPython(PYTHON_MCP2, "mcp2_client.py", [url(), "legacy"]), "2025-11-25");
  });

  test("mcp 1.x", async () => {
    expectFullRun(await runPython(PYTHON_MCP1, "mcp1_client.py", [url()]), "2025-11-25");
  });
});
