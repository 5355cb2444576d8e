/**
 * Both protocol eras against real servers: the station finds each server's
 * era, completes its handshake, and routes ordinary calls the same way.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY, PYTHON_MCP1, PYTHON_MCP2, fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
beforeAll(async () => {
  // The production probe deadline (2 s), not the suite's short one: a 2026-07-28 server on the v2 SDK
  // can take longer than 700 ms to answer its first message on a loaded machine, and would then be
  // initialized as legacy, which is right for the station but not what these tests are about.
  station = await startStation({ MCP_STATION_PROBE_TIMEOUT_MS: "2000" });
});
afterAll(() => station.stop());

async function session(spec: Record<string, unknown>) {
  const res = await station.create(spec);
  if (res.status !== 200) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

const text = (res: { body: any }) => res.body.data.content[0].text;

describe("legacy era (up to 2025-11-25)", () => {
  test("@modelcontextprotocol/server-everything: tools, resources, prompts and progress", async () => {
    const info = await session({ server_type: "node", server_command: EVERYTHING_ENTRY, server_args: EVERYTHING_ARGS });
    expect(info).toMatchObject({ era: "legacy", protocol_version: "2025-11-25" });
    expect(info.server_info.name).toContain("everything");
    expect(info.instructions).toContain("Everything");
    const id = info.session_id;

    const tools = await station.mcp(id, "tools/list", {});
    expect(tools.body.data.tools.map((t: { name: string }) => t.name)).toContain("echo");
    expect(text(await station.mcp(id, "tools/call", { name: "echo", arguments: { message: "hello" } }))).toBe("Echo: hello");

    const resources = await station.mcp(id, "resources/list", {});
    expect(resources.body.data.resources.length).toBeGreaterThan(0);
    const uri = resources.body.data.resources[0].uri;
    const read = await station.mcp(id, "resources/read", { uri });
    expect(read.body.data.contents[0].uri).toBe(uri);

    const prompt = await station.mcp(id, "prompts/get", { name: "simple-prompt" });
    expect(prompt.body.data.messages.length).toBeGreaterThan(0);

    // Progress: the station's own progress token routes the notifications to this request's events.
    const before = (await station.call("GET", `/sessions/${id}/events`)).body.last_id;
    const long = await station.mcp(id, "tools/call", {
      name: "trigger-long-running-operation",
      arguments: { duration: 0.3, steps: 3 },
      _meta: { progressToken: "mine" },
    });
    expect(text(long)).toContain("completed");
    const events = (await station.call("GET", `/sessions/${id}/events?after=${before}`)).body.events;
    const progress = events.filter((e: any) => e.data.method === "notifications/progress");
    expect(progress).toHaveLength(3);
    // The caller's own token comes back, not the station's.
    expect(progress.map((e: any) => e.data.params.progressToken)).toEqual(["mine", "mine", "mine"]);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("Python SDK 1.x FastMCP (answers the probe with -32602)", async () => {
    const info = await session({ server_type: "command", server_command: PYTHON_MCP1, server_args: [fixture("python/mcp1_server.py")] });
    expect(info.era).toBe("legacy");
    const res = await station.mcp(info.session_id, "tools/call", { name: "add", arguments: { a: 2, b: 3 } });
    expect(res.body.success).toBe(true);
    expect(JSON.stringify(res.body.data)).toContain("5");
    await station.call("DELETE", `/sessions/${info.session_id}`);
  });

  test("a legacy server that ignores the discover probe entirely is initialized after the probe deadline", async () => {
    const info = await session({ server_command: fixture("no-discover.mjs") });
    expect(info.era).toBe("legacy");
    expect(text(await station.mcp(info.session_id, "tools/call", { name: "echo", arguments: { text: "x" } }))).toBe("x");
    await station.call("DELETE", `/sessions/${info.session_id}`);
  });

  test("a legacy server that answers the probe with -32602 is legacy", async () => {
    const info = await session({ server_command: fixture("discover-32602.mjs") });
    expect(info.era).toBe("legacy");
    await station.call("DELETE", `/sessions/${info.session_id}`);
  });
});

describe("modern era (2026-07-28)", () => {
  test("the official TypeScript v2 SDK server answers server/discover and gets the _meta envelope", async () => {
    const info = await session({ server_command: fixture("sdk-v2-server.mjs") });
    expect(info).toMatchObject({ era: "modern", protocol_version: "2026-07-28" });
    expect(info.server_info).toMatchObject({ version: "1.0.0" });
    const res = await station.mcp(info.session_id, "tools/call", { name: "echo", arguments: { text: "modern" } });
    expect(res.body.data).toMatchObject({ resultType: "complete", content: [{ type: "text", text: "modern" }] });
    await station.call("DELETE", `/sessions/${info.session_id}`);
  });

  test("the Python SDK 2.x MCPServer is modern", async () => {
    const info = await session({ server_type: "command", server_command: PYTHON_MCP2, server_args: [fixture("python/mcp2_server.py")] });
    expect(info.era).toBe("modern");
    const res = await station.mcp(info.session_id, "tools/call", { name: "echo", arguments: { text: "py" } });
    expect(res.body.success).toBe(true);
    expect(JSON.stringify(res.body.data)).toContain("py");
    await station.call("DELETE", `/sessions/${info.session_id}`);
  });

  test("a modern-only server: ping and logging/setLevel are bridged, input_required passes through to the caller", async () => {
    const info = await session({ server_command: fixture("modern.mjs") });
    expect(info.era).toBe("modern");
    const id = info.session_id;
    expect((await station.mcp(id, "ping", {})).body).toEqual({ success: true, data: {} });
    expect((await station.mcp(id, "logging/setLevel", { level: "debug" })).body).toEqual({ success: true, data: {} });

    // A caller that declares elicitation in its own envelope gets the input_required round.
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
    };
    const first = await station.mcp(id, "tools/call", { name: "confirm", arguments: {}, _meta: meta });
    expect(first.body.data.resultType).toBe("input_required");
    const retry = await station.mcp(id, "tools/call", {
      name: "confirm",
      arguments: {},
      _meta: meta,
      requestState: first.body.data.requestState,
      inputResponses: { confirm: { action: "accept", content: { ok: true } } },
    });
    expect(retry.body.data.resultType).toBe("complete");
    expect(retry.body.data.content[0].text).toContain("confirmed");
    await station.call("DELETE", `/sessions/${id}`);
  });
});

describe("the handshake through the API", () => {
  test("initialize and server/discover return the cached handshake in either era's shape", async () => {
    const legacy = await session({ server_command: fixture("echo.mjs") });
    const modern = await session({ server_command: fixture("modern.mjs") });
    for (const s of [legacy, modern]) {
      const init = await station.mcp(s.session_id, "initialize", {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      });
      expect(init.body.data).toMatchObject({ protocolVersion: s.protocol_version, serverInfo: { name: s.server_info.name } });
      const discover = await station.mcp(s.session_id, "server/discover", {});
      expect(discover.body.data.supportedVersions).toContain(s.protocol_version);
    }
    for (const s of [legacy, modern]) await station.call("DELETE", `/sessions/${s.session_id}`);
  });

  test("the era is cached per command: a second legacy session skips the probe", async () => {
    const spec = { server_command: fixture("no-discover.mjs"), server_args: ["cache-test"] };
    const first = await session(spec);
    expect(first.era_source).toBe("probe");
    const second = await session(spec);
    expect(second).toMatchObject({ era: "legacy", era_source: "cache" });
    for (const x of [first, second]) await station.call("DELETE", `/sessions/${x.session_id}`);
  });
});
