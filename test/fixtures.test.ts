// Checks that every fixture MCP server behaves as test/fixtures/README.md says, by spawning it directly
// (no station) and speaking raw JSON lines. Run `bun run test/setup/prepare.ts` first (Python venvs).
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY, PYTHON_MCP1, PYTHON_MCP2, fixture } from "./setup/paths.ts";
import { DISCOVER_PROBE, type Json, killAllPeers, modernMeta, pidAlive, spawnPeer, type StdioPeer } from "./setup/stdio-peer.ts";

const NODE = process.env.NODE_BINARY ?? "node";
const node = (name: string, opts?: Parameters<typeof spawnPeer>[1]) => spawnPeer([NODE, fixture(name)], opts);
const call = (p: StdioPeer, name: string, args: Record<string, unknown> = {}, id?: unknown) =>
  p.request("tools/call", { name, arguments: args }, id);
const textOf = (res: any): string => res.result.content[0].text;

afterEach(killAllPeers);
afterAll(killAllPeers);

const INIT_RESULT = (name: string, protocolVersion = "2025-11-25") => ({
  protocolVersion,
  capabilities: { tools: {} },
  serverInfo: { name, version: "1.0.0" },
});

describe("echo.mjs (legacy)", () => {
  test("initialize echoes a known version, falls back to 2025-11-25, ping, discover -32601", async () => {
    const p = node("echo.mjs");
    expect((await p.initialize("2025-03-26")).result).toEqual(INIT_RESULT("echo", "2025-03-26"));
    expect((await p.request("initialize", { protocolVersion: "2099-01-01", capabilities: {} })).result).toEqual(INIT_RESULT("echo"));
    expect((await p.request("ping")).result).toEqual({});
    const d = await p.request("server/discover", DISCOVER_PROBE.params);
    expect(d.error).toEqual({ code: -32601, message: "Method not found" });
    expect((await p.request("bogus/method")).error.code).toBe(-32601);
  });

  test("tools/list, echo, whoami, unknown tool", async () => {
    const p = node("echo.mjs");
    await p.initialize();
    const list = await p.request("tools/list", {});
    expect(list.result.tools.map((t: any) => t.name)).toEqual(["echo", "slow", "progress", "whoami", "env", "cwd", "log"]);
    expect((await call(p, "echo", { text: "héllo 한" })).result).toEqual({ content: [{ type: "text", text: "héllo 한" }] });
    expect(textOf(await call(p, "whoami"))).toBe(String(p.pid));
    expect((await call(p, "nope")).error).toEqual({ code: -32602, message: "Unknown tool: nope" });
  });

  test("env and cwd reflect how it was spawned", async () => {
    const dir = realpathSync(tmpdir());
    const p = node("echo.mjs", { cwd: dir, env: { STATION_FIXTURE_VAR: "bar" } });
    expect((await call(p, "env", { name: "STATION_FIXTURE_VAR" })).result).toEqual({
      content: [{ type: "text", text: "bar" }],
      structuredContent: { value: "bar" },
    });
    expect((await call(p, "env", { name: "STATION_FIXTURE_UNSET" })).result).toEqual({
      content: [{ type: "text", text: "null" }],
      structuredContent: { value: null },
    });
    expect(textOf(await call(p, "cwd"))).toBe(dir);
  });

  test("slow answers after ms; a cancelled slow call is never answered", async () => {
    const p = node("echo.mjs");
    expect(textOf(await call(p, "slow", { ms: 20 }))).toBe("slept 20");
    p.send({ jsonrpc: "2.0", id: "c1", method: "tools/call", params: { name: "slow", arguments: { ms: 60_000 } } });
    p.sendNotification("notifications/cancelled", { requestId: "c1", reason: "test" });
    await p.waitStderr("cancelled c1\n");
    await p.request("ping"); // processed after the cancel
    expect(p.messages.some((m) => m.id === "c1")).toBe(false);
  });

  test("progress sends notifications/progress with the request's progressToken", async () => {
    const p = node("echo.mjs");
    const res = await p.request("tools/call", {
      name: "progress",
      arguments: { steps: 3, intervalMs: 5 },
      _meta: { progressToken: "tok" },
    });
    expect(textOf(res)).toBe("done 3");
    const progress = p.messages.filter((m) => m.method === "notifications/progress");
    expect(progress.map((m) => m.params)).toEqual(
      [1, 2, 3].map((i) => ({
        progressToken: "tok",
        progress: i,
        total: 3,
        message: `step ${i}/3`,
      })),
    );
    // the notifications come before the response
    const respIdx = p.messages.findIndex((m) => m.id === res.id);
    expect(p.messages.findIndex((m) => m.method === "notifications/progress")).toBeLessThan(respIdx);
  });

  test("log sends notifications/message before answering", async () => {
    const p = node("echo.mjs");
    expect(textOf(await call(p, "log", { text: "hi there" }))).toBe("logged");
    expect(await p.notification("notifications/message")).toEqual({
      jsonrpc: "2.0",
      method: "notifications/message",
      params: { level: "info", logger: "echo", data: "hi there" },
    });
  });

  test("exits 0 when stdin closes", async () => {
    const p = node("echo.mjs");
    await p.request("ping");
    p.closeStdin();
    expect(await p.exited).toBe(0);
  });
});

describe("legacy discover variants", () => {
  test("no-discover.mjs drops server/discover but answers initialize", async () => {
    const p = node("no-discover.mjs");
    p.send(DISCOVER_PROBE);
    expect((await p.request("ping", undefined, 2)).result).toEqual({});
    expect(p.messages.some((m) => m.id === 1)).toBe(false);
    expect((await p.initialize()).result).toEqual(INIT_RESULT("no-discover"));
    expect(textOf(await call(p, "echo", { text: "x" }))).toBe("x");
  });

  test("discover-32602.mjs answers server/discover with -32602", async () => {
    const p = node("discover-32602.mjs");
    p.send(DISCOVER_PROBE);
    expect((await p.response(1)).error).toEqual({ code: -32602, message: "Invalid params" });
    expect((await p.initialize()).result).toEqual(INIT_RESULT("discover-32602"));
  });
});

describe("misbehaving legacy fixtures", () => {
  test("crash.mjs: tool crash writes to stderr and exits 3 without answering", async () => {
    const p = node("crash.mjs");
    await p.initialize();
    p.send({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "crash", arguments: {} } });
    expect(await p.exited).toBe(3);
    expect(p.stderr).toContain("about to crash\n");
    expect(p.messages.some((m) => m.id === 7)).toBe(false);
  });

  test("close-stdin.mjs: close_stdin closes its stdin (a write then fails with EPIPE), answers, and exits 4 later", async () => {
    const p = node("close-stdin.mjs");
    await p.initialize();
    expect(textOf(await call(p, "close_stdin", { exit_after_ms: 200 }))).toBe("stdin closed");
    await p.waitStderr("stdin closed\n");
    expect(() => {
      p.proc.stdin.write("{}\n");
      p.proc.stdin.flush();
    }).toThrow("EPIPE");
    expect(await p.exited).toBe(4);
  });

  test("big.mjs: big returns exactly `bytes` UTF-8 bytes on one line (default 8 MiB)", async () => {
    const p = node("big.mjs");
    await p.initialize();
    const small = textOf(await call(p, "big", { bytes: 10 }));
    expect(small).toBe("한a한aaa");
    const res = await call(p, "big");
    const text = textOf(res);
    expect(Buffer.byteLength(text, "utf8")).toBe(8 * 1024 * 1024);
    expect(text.startsWith("한a한a")).toBe(true);
    expect(p.lines.some((l) => Buffer.byteLength(l) > 8 * 1024 * 1024)).toBe(true);
  });

  test("big.mjs: huge_line writes an endless line without a newline", async () => {
    const p = node("big.mjs");
    await p.initialize();
    const before = p.lines.length;
    p.send({ jsonrpc: "2.0", id: 9, method: "tools/call", params: { name: "huge_line", arguments: {} } });
    await p.until(() => p.stdoutBytes > 12 * 1024 * 1024, "12 MiB of stdout");
    expect(p.lines.length).toBe(before);
    expect(p.partialLine.startsWith('{"jsonrpc":"2.0","id":9,"result":{"content":[{"type":"text","text":"xxx')).toBe(true);
    await p.kill();
  });

  test("stderr-flood.mjs: 2 MiB of stderr on start and `bytes` more per call", async () => {
    const p = node("stderr-flood.mjs");
    expect((await p.initialize()).result).toEqual(INIT_RESULT("stderr-flood"));
    await p.until(() => p.stderrBytes >= 2 * 1024 * 1024, "2 MiB of stderr");
    expect(textOf(await call(p, "echo", { text: "still here", bytes: 1024 * 1024 }))).toBe("still here");
    await p.until(() => p.stderrBytes >= 3 * 1024 * 1024, "3 MiB of stderr");
    expect(p.stderr.slice(0, 1024)).toBe(`${"e".repeat(1023)}\n`);
  });

  test("banner.mjs: a non-JSON line and a non-JSON-RPC JSON line come first", async () => {
    const p = node("banner.mjs");
    const init = await p.initialize();
    expect(init.result).toEqual(INIT_RESULT("banner"));
    expect(p.lines.slice(0, 2)).toEqual(["Server starting... v1", '{"hello":"world"}']);
  });

  test("hostile-output.mjs: `hostile` answers markup as text and as an embedded resource, and writes it to stderr", async () => {
    const p = node("hostile-output.mjs");
    await p.initialize();
    const markup = `<script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = 'img'">`;
    const answer = await call(p, "hostile", {});
    expect(answer.result.content).toEqual([
      { type: "text", text: `result ${markup}` },
      { type: "resource", resource: { uri: "file:///hostile.html", mimeType: "text/html", text: `resource ${markup}` } },
    ]);
    await p.waitStderr(`stderr ${markup}\n`);
  });

  test("ignore-sigterm.mjs survives SIGTERM and stdin close; only SIGKILL ends it", async () => {
    const p = node("ignore-sigterm.mjs");
    await p.initialize();
    p.proc.kill("SIGTERM");
    await p.waitStderr("SIGTERM ignored\n");
    expect((await p.request("ping")).result).toEqual({});
    p.closeStdin();
    await p.waitStderr("stdin closed, staying alive\n");
    expect(p.isAlive()).toBe(true);
    p.proc.kill("SIGKILL");
    await p.exited;
    expect(p.proc.signalCode).toBe("SIGKILL");
  });

  test("grandchild.mjs: the grandchild outlives its parent until the process group is killed", async () => {
    const p = node("grandchild.mjs", { detached: true });
    await p.initialize();
    const gpid = Number(textOf(await call(p, "grandchild_pid")));
    expect(p.stderr).toContain(`grandchild ${gpid}\n`);
    expect(pidAlive(gpid)).toBe(true);
    process.kill(p.pid, "SIGKILL"); // the server only
    await p.exited;
    expect(pidAlive(gpid)).toBe(true); // orphaned, still running
    process.kill(-p.pid, "SIGKILL"); // the whole group
    const deadline = Date.now() + 10_000;
    while (pidAlive(gpid) && Date.now() < deadline) await Bun.sleep(10); // poll: we cannot wait() on a grandchild
    expect(pidAlive(gpid)).toBe(false);
  });

  test("no-init.mjs never writes to stdout and exits 0 on stdin close", async () => {
    const p = node("no-init.mjs");
    p.send({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {} } });
    p.send(DISCOVER_PROBE);
    p.send({ jsonrpc: "2.0", id: 3, method: "ping" });
    p.closeStdin();
    expect(await p.exited).toBe(0);
    expect(p.stdoutBytes).toBe(0);
  });

  test("exit-now.mjs exits 1 with a fatal line on stderr", async () => {
    const p = node("exit-now.mjs");
    expect(await p.exited).toBe(1);
    await p.waitStderr("fatal: config missing\n");
    expect(p.stdoutBytes).toBe(0);
  });
});

describe("client-requests.mjs (server -> client requests)", () => {
  test("pings the client on start; ping_seen turns true once answered", async () => {
    const p = node("client-requests.mjs");
    const ping = await p.serverRequest("ping");
    expect(ping).toEqual({ jsonrpc: "2.0", id: "s1", method: "ping" });
    expect(textOf(await call(p, "ping_seen"))).toBe("false");
    p.send({ jsonrpc: "2.0", id: "s1", result: {} });
    expect((await p.initialize()).result).toEqual(INIT_RESULT("client-requests"));
    expect(textOf(await call(p, "ping_seen"))).toBe("true");
  });

  test("ask_roots / ask_sampling / ask_elicitation relay the client's answers", async () => {
    const p = node("client-requests.mjs");
    await p.serverRequest("ping");
    await p.initialize("2025-11-25", { roots: {}, sampling: {}, elicitation: {} });

    p.send({ jsonrpc: "2.0", id: 21, method: "tools/call", params: { name: "ask_roots", arguments: {} } });
    const roots = await p.serverRequest("roots/list");
    expect(roots).toEqual({ jsonrpc: "2.0", id: "s2", method: "roots/list", params: {} });
    const rootList = [{ uri: "file:///tmp", name: "tmp" }];
    p.send({ jsonrpc: "2.0", id: roots.id, result: { roots: rootList } });
    expect((await p.response(21)).result).toEqual({ content: [{ type: "text", text: JSON.stringify(rootList) }] });

    p.send({ jsonrpc: "2.0", id: 22, method: "tools/call", params: { name: "ask_sampling", arguments: { prompt: "2+2?" } } });
    const sampling = await p.serverRequest("sampling/createMessage");
    expect(sampling.params).toEqual({ messages: [{ role: "user", content: { type: "text", text: "2+2?" } }], maxTokens: 50 });
    const err = { code: -32601, message: "Method not found" };
    p.send({ jsonrpc: "2.0", id: sampling.id, error: err });
    expect((await p.response(22)).result).toEqual({ content: [{ type: "text", text: JSON.stringify(err) }], isError: true });

    p.send({ jsonrpc: "2.0", id: 23, method: "tools/call", params: { name: "ask_elicitation", arguments: {} } });
    const elicit = await p.serverRequest("elicitation/create");
    expect(elicit.params.message).toBe("Your name?");
    const answer = { action: "accept", content: { name: "Ada" } };
    p.send({ jsonrpc: "2.0", id: elicit.id, result: answer });
    expect(textOf(await p.response(23))).toBe(JSON.stringify(answer));
  });

  test("an unanswered client request times out into an isError result", async () => {
    const p = node("client-requests.mjs");
    await p.serverRequest("ping");
    p.send({ jsonrpc: "2.0", id: 5, method: "tools/call", params: { name: "ask_roots", arguments: { timeoutMs: 50 } } });
    await p.serverRequest("roots/list");
    expect((await p.response(5)).result).toEqual({ content: [{ type: "text", text: "timeout" }], isError: true });
  });
});

describe("modern.mjs (2026-07-28 only)", () => {
  const SERVER_INFO = { "io.modelcontextprotocol/serverInfo": { name: "modern", version: "1.0.0" } };

  test("server/discover", async () => {
    const p = node("modern.mjs");
    p.send(DISCOVER_PROBE);
    expect(await p.response(1)).toEqual({
      jsonrpc: "2.0",
      id: 1,
      result: {
        resultType: "complete",
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: {} },
        ttlMs: 0,
        cacheScope: "private",
        _meta: SERVER_INFO,
      },
    });
  });

  test("initialize, missing or wrong version -> -32022; ping -> -32601", async () => {
    const p = node("modern.mjs");
    const init = await p.initialize("2025-11-25");
    expect(init.error).toEqual({
      code: -32022,
      message: "Unsupported protocol version",
      data: { supported: ["2026-07-28"], requested: "2025-11-25" },
    });
    expect((await p.request("tools/list", {})).error).toEqual({
      code: -32022,
      message: "Unsupported protocol version",
      data: { supported: ["2026-07-28"], requested: null },
    });
    expect((await p.request("tools/list", { _meta: modernMeta({}, "1900-01-01") })).error.data).toEqual({
      supported: ["2026-07-28"],
      requested: "1900-01-01",
    });
    expect((await p.request("ping", { _meta: modernMeta() })).error.code).toBe(-32601);
  });

  test("tools/list and echo carry resultType", async () => {
    const p = node("modern.mjs");
    const list = await p.request("tools/list", { _meta: modernMeta() });
    expect(list.result).toMatchObject({ resultType: "complete", ttlMs: 0, cacheScope: "private", _meta: SERVER_INFO });
    expect(list.result.tools.map((t: any) => t.name)).toEqual(["echo", "whoami", "confirm"]);
    const res = await p.request("tools/call", { name: "echo", arguments: { text: "hi" }, _meta: modernMeta() });
    expect(res.result).toEqual({ content: [{ type: "text", text: "hi" }], resultType: "complete", _meta: SERVER_INFO });
  });

  test("confirm: input_required elicitation, then completes on retry", async () => {
    const p = node("modern.mjs");
    const noCap = await p.request("tools/call", { name: "confirm", arguments: {}, _meta: modernMeta() });
    expect(noCap.error).toEqual({
      code: -32021,
      message: "Missing required client capability: elicitation",
      data: { requiredCapabilities: { elicitation: {} } },
    });
    const meta = modernMeta({ elicitation: {} });
    const first = await p.request("tools/call", { name: "confirm", arguments: { message: "Deploy?" }, _meta: meta });
    expect(first.result).toMatchObject({
      resultType: "input_required",
      inputRequests: {
        confirm: {
          method: "elicitation/create",
          params: {
            mode: "form",
            message: "Deploy?",
            requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
          },
        },
      },
    });
    expect(typeof first.result.requestState).toBe("string");
    const retry = await p.request("tools/call", {
      name: "confirm",
      arguments: { message: "Deploy?" },
      inputResponses: { confirm: { action: "accept", content: { ok: true } } },
      requestState: first.result.requestState,
      _meta: meta,
    });
    expect(retry.result).toEqual({ content: [{ type: "text", text: "confirmed: true" }], resultType: "complete", _meta: SERVER_INFO });
    const declined = await p.request("tools/call", {
      name: "confirm",
      arguments: {},
      inputResponses: { confirm: { action: "decline" } },
      requestState: first.result.requestState,
      _meta: meta,
    });
    expect(textOf(declined)).toBe("declined");
    const badState = await p.request("tools/call", {
      name: "confirm",
      arguments: {},
      inputResponses: { confirm: { action: "accept", content: { ok: true } } },
      _meta: meta,
    });
    expect(badState.error.code).toBe(-32602);
  });
});

// ---- real SDK servers: what they answer to the discover probe and to initialize (fresh process each) ----

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 2,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "fixtures-test", version: "0.0.0" } },
};

interface SdkCase {
  name: string;
  cmd: () => string[];
  discover: any; // expected response (toEqual)
  initialize: any; // expected response (toMatchObject)
  /** expected answer to initialize sent right after the discover probe, on the same process */
  initializeAfterDiscover: any;
  /** echo tool arguments and the text it answers (default {text:"hi"} -> "hi") */
  echo?: { args: Record<string, unknown>; text: string };
}

const METHOD_NOT_FOUND = { jsonrpc: "2.0", id: 1, error: { code: -32601, message: "Method not found" } };

const SDK_CASES: SdkCase[] = [
  {
    name: "sdk-v1-server.mjs (@modelcontextprotocol/sdk 1.32.2)",
    cmd: () => [NODE, fixture("sdk-v1-server.mjs")],
    discover: METHOD_NOT_FOUND,
    initialize: {
      result: {
        protocolVersion: "2025-11-25",
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: "sdk-v1-server", version: "1.0.0" },
      },
    },
    initializeAfterDiscover: { result: { protocolVersion: "2025-11-25" } },
  },
  {
    name: "sdk-v2-server.mjs (@modelcontextprotocol/server 2.4.0, serveStdio)",
    cmd: () => [NODE, fixture("sdk-v2-server.mjs")],
    discover: {
      jsonrpc: "2.0",
      id: 1,
      result: {
        supportedVersions: ["2026-07-28"],
        capabilities: { tools: { listChanged: true } },
        resultType: "complete",
        ttlMs: 0,
        cacheScope: "private",
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "sdk-v2-server", version: "1.0.0" } },
      },
    },
    initialize: {
      result: {
        protocolVersion: "2025-11-25",
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: "sdk-v2-server", version: "1.0.0" },
      },
    },
    // server/discover alone does not pin the era in serveStdio: a following initialize is still served
    initializeAfterDiscover: { result: { protocolVersion: "2025-11-25" } },
  },
  {
    name: "sdk-v2-transport-server.mjs (@modelcontextprotocol/server 2.4.0, McpServer.connect(StdioServerTransport))",
    cmd: () => [NODE, fixture("sdk-v2-transport-server.mjs")],
    discover: METHOD_NOT_FOUND,
    initialize: {
      result: {
        protocolVersion: "2025-11-25",
        capabilities: { tools: { listChanged: true } },
        serverInfo: { name: "sdk-v2-transport-server", version: "1.0.0" },
      },
    },
    initializeAfterDiscover: { result: { protocolVersion: "2025-11-25" } },
  },
  {
    name: "python/mcp2_server.py (mcp==2.3.0 MCPServer)",
    cmd: () => [PYTHON_MCP2, fixture("python/mcp2_server.py")],
    discover: {
      jsonrpc: "2.0",
      id: 1,
      result: {
        cacheScope: "private",
        capabilities: {
          prompts: { listChanged: true },
          resources: { listChanged: true, subscribe: true },
          tools: { listChanged: true },
        },
        resultType: "complete",
        supportedVersions: ["2026-07-28"],
        ttlMs: 0,
        _meta: { "io.modelcontextprotocol/serverInfo": { name: "py-mcp2-server", version: "" } },
      },
    },
    initialize: {
      result: {
        capabilities: {
          prompts: { listChanged: false },
          resources: { listChanged: false, subscribe: false },
          tools: { listChanged: false },
        },
        protocolVersion: "2025-11-25",
        serverInfo: { name: "py-mcp2-server", version: "" },
      },
    },
    // the discover probe pins this process to 2026-07-28
    initializeAfterDiscover: {
      error: {
        code: -32022,
        message: "connection is serving the 2026-07-28 protocol; the initialize handshake is not accepted",
        data: { supported: ["2026-07-28"], requested: "2025-11-25" },
      },
    },
  },
  {
    name: "python/mcp1_server.py (mcp==1.30.0 FastMCP)",
    cmd: () => [PYTHON_MCP1, fixture("python/mcp1_server.py")],
    discover: { jsonrpc: "2.0", id: 1, error: { code: -32602, message: "Invalid request parameters", data: "" } },
    initialize: {
      result: {
        protocolVersion: "2025-11-25",
        capabilities: {
          experimental: {},
          prompts: { listChanged: false },
          resources: { subscribe: false, listChanged: false },
          tools: { listChanged: false },
        },
        serverInfo: { name: "py-mcp1-server", version: "1.30.0" },
      },
    },
    initializeAfterDiscover: { result: { protocolVersion: "2025-11-25" } },
  },
  {
    name: "server-everything 2026.8.31 (stdio)",
    cmd: () => [NODE, EVERYTHING_ENTRY, ...EVERYTHING_ARGS],
    discover: METHOD_NOT_FOUND,
    initialize: {
      result: {
        protocolVersion: "2025-11-25",
        capabilities: {
          tools: { listChanged: true },
          prompts: { listChanged: true },
          resources: { subscribe: true, listChanged: true },
          logging: {},
          completions: {},
        },
        serverInfo: { name: "mcp-servers/everything", title: "Everything Reference Server", version: "2.0.0" },
      },
    },
    initializeAfterDiscover: { result: { protocolVersion: "2025-11-25" } },
    echo: { args: { message: "hi" }, text: "Echo: hi" },
  },
];

describe("modern-subscriptions.mjs (2026-07-28 only, subscriptions/listen)", () => {
  const SUB = "io.modelcontextprotocol/subscriptionId";
  const listen = (p: StdioPeer, id: number, notifications: Json) =>
    p.send({ jsonrpc: "2.0", id, method: "subscriptions/listen", params: { notifications, _meta: modernMeta() } });

  test("declares list changes and resource subscriptions; acknowledges a listen, stamps what it sends, ends it on cancel", async () => {
    const p = node("modern-subscriptions.mjs");
    p.send(DISCOVER_PROBE);
    expect((await p.response(1)).result.capabilities).toEqual({
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
    });
    listen(p, 2, { toolsListChanged: true });
    expect((await p.notification("notifications/subscriptions/acknowledged")).params).toEqual({
      notifications: { toolsListChanged: true },
      _meta: { [SUB]: 2 },
    });
    await p.waitStderr('listen 2 {"toolsListChanged":true}');
    listen(p, 3, { resourceSubscriptions: ["note://a"] });
    await p.waitStderr("listen 3 ");
    const tools = (name: string, args: Json = {}) => p.request("tools/call", { name, arguments: args, _meta: modernMeta() });
    expect(textOf(await tools("change", { kind: "tools" }))).toBe("changed 1");
    expect((await p.notification("notifications/tools/list_changed")).params).toEqual({ _meta: { [SUB]: 2 } });
    expect(textOf(await tools("change", { kind: "prompts" }))).toBe("changed 0");
    expect(textOf(await tools("touch", { uri: "note://a" }))).toBe("touched 1");
    expect((await p.notification("notifications/resources/updated")).params).toEqual({ uri: "note://a", _meta: { [SUB]: 3 } });
    p.sendNotification("notifications/cancelled", { requestId: 2 });
    await p.waitStderr("listen cancelled 2");
    expect(JSON.parse(textOf(await tools("listens")))).toEqual({ received: 2, open: [{ resourceSubscriptions: ["note://a"] }] });
    // A listen is never answered while open, even after cancel.
    expect(p.messages.some((m) => m.id === 2 || m.id === 3)).toBe(false);
  });

  test("with the argument refuse, every listen is -32601", async () => {
    const p = spawnPeer([NODE, fixture("modern-subscriptions.mjs"), "refuse"]);
    listen(p, 5, { toolsListChanged: true });
    expect((await p.response(5)).error).toEqual({ code: -32601, message: "Method not found" });
    await p.waitStderr("listen refused 5");
  });
});

describe("modern-listen.mjs (TypeScript SDK v2, serveStdio)", () => {
  test("add_tool sends tools/list_changed on each open listen, stamped with its id", async () => {
    const p = node("modern-listen.mjs");
    p.send(DISCOVER_PROBE);
    expect((await p.response(1)).result.capabilities).toEqual({ tools: { listChanged: true } });
    p.send({
      jsonrpc: "2.0",
      id: 2,
      method: "subscriptions/listen",
      params: { notifications: { toolsListChanged: true, promptsListChanged: true }, _meta: modernMeta() },
    });
    // The SDK acknowledges only what the server declared.
    expect((await p.notification("notifications/subscriptions/acknowledged")).params).toEqual({
      notifications: { toolsListChanged: true },
      _meta: { "io.modelcontextprotocol/subscriptionId": 2 },
    });
    const added = await p.request("tools/call", { name: "add_tool", arguments: {}, _meta: modernMeta() });
    expect(textOf(added)).toBe("added extra_1");
    expect((await p.notification("notifications/tools/list_changed")).params).toEqual({
      _meta: { "io.modelcontextprotocol/subscriptionId": 2 },
    });
    const list = await p.request("tools/list", { _meta: modernMeta() });
    expect(list.result.tools.map((t: Json) => t.name)).toEqual(["echo", "add_tool", "extra_1"]);
  });
});

describe("real SDK servers", () => {
  for (const c of SDK_CASES) {
    describe(c.name, () => {
      test("discover probe", async () => {
        const p = spawnPeer(c.cmd());
        p.send(DISCOVER_PROBE);
        expect(await p.response(1)).toEqual(c.discover);
      });

      test("initialize 2025-11-25, then echo", async () => {
        const p = spawnPeer(c.cmd());
        p.send(INITIALIZE);
        expect(await p.response(2)).toMatchObject(c.initialize);
        p.sendNotification("notifications/initialized");
        const echo = c.echo ?? { args: { text: "hi" }, text: "hi" };
        const res = await call(p, "echo", echo.args);
        expect(res.result.content).toEqual([{ type: "text", text: echo.text }]);
      });

      test("initialize right after the discover probe", async () => {
        const p = spawnPeer(c.cmd());
        p.send(DISCOVER_PROBE);
        await p.response(1);
        p.send(INITIALIZE);
        expect(await p.response(2)).toMatchObject(c.initializeAfterDiscover);
      });
    });
  }

  test("sdk-v2-server.mjs serves modern tools/call after the probe", async () => {
    const p = spawnPeer([NODE, fixture("sdk-v2-server.mjs")]);
    p.send(DISCOVER_PROBE);
    await p.response(1);
    const res = await p.request("tools/call", { name: "add", arguments: { a: 2, b: 3 }, _meta: modernMeta() });
    expect(res.result).toEqual({
      content: [{ type: "text", text: "5" }],
      resultType: "complete",
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "sdk-v2-server", version: "1.0.0" } },
    });
  });

  test("python mcp2_server.py serves modern tools/call after the probe", async () => {
    const p = spawnPeer([PYTHON_MCP2, fixture("python/mcp2_server.py")]);
    p.send(DISCOVER_PROBE);
    await p.response(1);
    const res = await p.request("tools/call", { name: "add", arguments: { a: 2, b: 3 }, _meta: modernMeta() });
    expect(res.result).toEqual({
      content: [{ type: "text", text: "5" }],
      isError: false,
      resultType: "complete",
      structuredContent: { result: 5 },
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "py-mcp2-server", version: "" } },
    });
  });
});
