/**
 * Remote servers (a registry entry with a `url`) against real Streamable
 * HTTP servers, each its own process: the TypeScript SDK v1 (stateful, the
 * 2025 era) and v2 (stateless 2026-07-28), the Python SDK 2.x and 1.x, and
 * server-everything. Each is a session of its own through the seed's REST
 * API: created by name, listed, called, stopped.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { type RemoteKind, type RemoteServer, startRemote, stopAllRemotes } from "../support/remote-server.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-remote-"));
let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
  await stopAllRemotes();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A station whose registry holds `servers` (name -> entry). */
export async function stationWith(servers: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestStation> {
  const file = join(dir, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return startStation({ MCP_STATION_SERVERS_FILE: file, ...env });
}

const text = (body: any) => body.data.content[0].text as string;

const cases: [RemoteKind, string, string][] = [
  ["sdk-v1", "legacy", "echo"],
  ["sdk-v2", "modern", "echo"],
  ["python-mcp2", "modern", "echo"],
  ["python-mcp1", "legacy", "echo"],
  ["everything", "legacy", "echo"],
];

describe("a remote server is a session of its own", () => {
  test.each(cases)("%s: created by name, lists and calls its tools, stops (era %s)", async (kind, era, tool) => {
    const remote: RemoteServer = await startRemote(kind);
    station = await stationWith({ far: { url: remote.url } });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    expect(created.body).toMatchObject({ status: "running", server: "far", pid: null, server_command: remote.url, era });
    const tools = await station.mcp(id, "tools/list", {});
    expect(tools.status).toBe(200);
    expect(tools.body.data.tools.map((t: any) => t.name)).toContain(tool);
    const args = kind === "everything" ? { message: "hi there" } : { text: "hi there" };
    const called = await station.mcp(id, "tools/call", { name: tool, arguments: args });
    expect(called.status).toBe(200);
    expect(text(called.body)).toContain("hi there");
    const stopped = await station.call("DELETE", `/sessions/${id}`);
    expect(stopped.status).toBe(200);
  });
});

describe("a remote server in a group", () => {
  test("a group of a local and a remote server is one session; the remote one's tools are curated and routed by name", async () => {
    const remote = await startRemote("sdk-v2");
    const file = join(dir, `${crypto.randomUUID()}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        mcpServers: {
          local: { command: "node", args: [fixture("echo.mjs")] },
          far: { url: remote.url, station: { tools: { rename: { add: "far_add" } } } },
        },
        mcpGroups: { both: { members: ["local", "far"], prefix: "collision" } },
      }),
    );
    station = await startStation({ MCP_STATION_SERVERS_FILE: file });
    const id = (await station.create({ server: "both" })).body.session_id;
    const tools = (await station.mcp(id, "tools/list", {})).body.data.tools.map((t: any) => t.name) as string[];
    expect(tools).toContain("far_add");
    expect(tools).toContain("whoami");
    expect(text((await station.mcp(id, "tools/call", { name: "far_add", arguments: { a: 20, b: 22 } })).body)).toBe("42");
    expect(text((await station.mcp(id, "tools/call", { name: "far__echo", arguments: { text: "from far" } })).body)).toBe("from far");
  });
});

describe("the deprecated HTTP+SSE transport", () => {
  test('server-everything on "type": "sse": created, listed, called, and reconnected after it comes back', async () => {
    const remote = await startRemote("everything-sse");
    station = await stationWith({ old: { url: remote.url, type: "sse" } }, { MCP_STATION_RESTART_BACKOFF_MS: "100" });
    const created = await station.create({ server: "old" });
    expect(created.body).toMatchObject({ status: "running", pid: null, era: "legacy" });
    const id = created.body.session_id;
    expect((await station.mcp(id, "tools/list", {})).body.data.tools.map((t: any) => t.name)).toContain("echo");
    expect(text((await station.mcp(id, "tools/call", { name: "echo", arguments: { message: "over sse" } })).body)).toContain("over sse");
    await remote.kill();
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status !== "running")).toBeTruthy();
    await remote.start();
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "running", 20_000)).toBeTruthy();
    expect(text((await station.mcp(id, "tools/call", { name: "echo", arguments: { message: "again" } })).body)).toContain("again");
  });
});

describe("what flows back from a remote server", () => {
  test("a server-to-client request (roots/list) is answered on its POST's stream, and list_changed arrives on the GET stream", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith({ far: { url: remote.url } });
    const created = await station.create({ server: "far", roots: [{ uri: "file:///data", name: "data" }] });
    const id = created.body.session_id;
    const roots = await station.mcp(id, "tools/call", { name: "roots", arguments: {} });
    expect(JSON.parse(text(roots.body))).toEqual([{ uri: "file:///data", name: "data" }]);
    const grown = await station.mcp(id, "tools/call", { name: "grow", arguments: { name: "sprout" } });
    expect(text(grown.body)).toBe("grew sprout");
    expect(
      await eventually(async () => {
        const { body } = await station!.call("GET", `/sessions/${id}/events`);
        return body.events.some((e: any) => e.kind === "notification" && e.data.method === "notifications/tools/list_changed");
      }),
    ).toBeTruthy();
    const { body: events } = await station.call("GET", `/sessions/${id}/events`);
    expect(events.events.some((e: any) => e.kind === "client_request" && e.data.method === "roots/list")).toBe(true);
    // A tool added as the server runs is new, not changed: it is listed (and pinned from now on).
    const tools = await station.mcp(id, "tools/list", {});
    expect(tools.body.data.tools.map((t: any) => t.name)).toContain("sprout");
    expect((await station.call("GET", "/pins/changes")).body.changes).toEqual([]);
  });

  test("an official client reaches a remote server through /servers/{name}/mcp", async () => {
    const remote = await startRemote("sdk-v2");
    station = await stationWith({ far: { url: remote.url } });
    const client = new ClientV1({ name: "v1", version: "1" });
    const transport = new TransportV1(new URL(`${station.url}/servers/far/mcp`));
    await client.connect(transport);
    const called = (await client.callTool({ name: "add", arguments: { a: 2, b: 3 } })) as { content: { text: string }[] };
    expect(called.content[0].text).toBe("5");
    await transport.terminateSession();
    await client.close();
  });

  test.each([["tools"], ["off"]])(
    "a 2026-07-28 server's Mcp-Param headers go with each call, whether or not a list passed first (pinning %s)",
    async (pinning) => {
      const remote = await startRemote("sdk-v2");
      station = await stationWith({ far: { url: remote.url } }, { MCP_STATION_TOOL_PINNING: pinning });
      const id = (await station.create({ server: "far" })).body.session_id;
      const called = await station.mcp(id, "tools/call", { name: "deploy", arguments: { region: "eu-west" } });
      expect(called.status).toBe(200);
      expect(text(called.body)).toBe("deploy eu-west");
      // A value outside plain ASCII goes base64, which the SDK decodes and checks against the body.
      const unicode = await station.mcp(id, "tools/call", { name: "deploy", arguments: { region: "zürich" } });
      expect(text(unicode.body)).toBe("deploy zürich");
    },
  );

  test("a call past its deadline is cancelled at the remote server too", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith({ far: { url: remote.url } });
    const id = (await station.create({ server: "far" })).body.session_id;
    const late = await station.mcp(id, "tools/call", { name: "slow", arguments: { ms: 10_000 } }, { timeout_ms: 300 });
    expect(late.status).toBe(504);
    expect(
      await eventually(async () => text((await station!.mcp(id, "tools/call", { name: "cancelled", arguments: {} })).body) === "1"),
    ).toBeTruthy();
  });

  test("the metrics count a remote server's requests under its registry name", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith({ far: { url: remote.url } });
    const id = (await station.create({ server: "far" })).body.session_id;
    await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x" } });
    const metrics = await fetch(`${station.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/mcp_station_[a-z_]+\{[^}]*server="far"[^}]*\} [1-9]/);
  });
});

describe("credentials and failures", () => {
  test("headers from the registry reach the server; a wrong bearer token fails the create with a clear start_failed naming the 401", async () => {
    const remote = await startRemote("sdk-v1", { TOKEN: "right-token" });
    station = await stationWith({
      good: { url: remote.url, headers: { Authorization: "Bearer right-token" } },
      bad: { url: remote.url, headers: { Authorization: "Bearer wrong-token" } },
    });
    const good = await station.create({ server: "good" });
    expect(good.body.status).toBe("running");
    const bad = await station.create({ server: "bad" });
    expect(bad.status).toBe(502);
    expect(bad.body.error.data.type).toBe("start_failed");
    expect(bad.body.error.message).toContain("HTTP 401");
    expect(bad.body.error.message).toContain("credential was refused");
    expect(JSON.stringify(bad.body)).not.toContain("wrong-token");
    const listed = await station.call("GET", "/servers");
    expect(listed.body.servers.find((s: any) => s.name === "good")).toMatchObject({ url: remote.url, header_keys: ["Authorization"] });
    expect(JSON.stringify(listed.body)).not.toContain("right-token");
  });

  test("a remote server that goes away: the session says why it ended and reconnects with backoff once it is back", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith(
      { far: { url: remote.url } },
      { MCP_STATION_RESTART_BACKOFF_MS: "100", MCP_STATION_RESTART_BACKOFF_MAX_MS: "400", MCP_STATION_MAX_RESTARTS: "50" },
    );
    const id = (await station.create({ server: "far" })).body.session_id;
    await remote.kill();
    // The standing GET stream breaks, its reopening finds nobody: the link ends as a crash would.
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "restarting")).toBeTruthy();
    const info = (await station.call("GET", `/sessions/${id}`)).body;
    expect(info.exit_reason).toContain("unreachable");
    await remote.start();
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "running", 20_000)).toBeTruthy();
    const called = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "back again" } });
    expect(text(called.body)).toBe("back again");
    expect((await station.call("GET", `/sessions/${id}`)).body.restarts).toBeGreaterThanOrEqual(1);
  });

  test("a credential revoked mid-session: the call is a clear 502 remote_refused, and the session stays", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith({ far: { url: remote.url } });
    const id = (await station.create({ server: "far" })).body.session_id;
    await station.mcp(id, "tools/call", { name: "revoke", arguments: {} });
    const refused = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x" } });
    expect(refused.status).toBe(502);
    expect(refused.body.error.data).toMatchObject({ type: "remote_refused", status: 401, url: remote.url });
    expect(refused.body.error.message).toContain("credential was refused");
    const stderr = await station.call("GET", `/sessions/${id}/logs`);
    expect(JSON.stringify(stderr.body)).toContain("HTTP 401");
  });

  test("a legacy server that forgets the session (404): the link ends and the session reconnects with a new one", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith({ far: { url: remote.url } }, { MCP_STATION_RESTART_BACKOFF_MS: "100" });
    const id = (await station.create({ server: "far" })).body.session_id;
    await station.mcp(id, "tools/call", { name: "forget", arguments: {} });
    // The next exchange finds the session gone (the GET stream's reopening, or this call) and ends the link.
    await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x" } });
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.restarts >= 1, 10_000)).toBeTruthy();
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "running", 10_000)).toBeTruthy();
    const called = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "new session" } });
    expect(text(called.body)).toBe("new session");
    const history = await station.call("GET", `/sessions/${id}/history`);
    expect(JSON.stringify(history.body)).toContain("no longer knows session");
  });

  test("a remote server that stops answering: health checks mark it unresponsive, drop the link, and reconnect once it answers", async () => {
    const remote = await startRemote("sdk-v1");
    station = await stationWith(
      { far: { url: remote.url } },
      {
        MCP_STATION_HEALTH_INTERVAL_MS: "200",
        MCP_STATION_HEALTH_TIMEOUT_MS: "300",
        MCP_STATION_HEALTH_RESTART_AFTER: "2",
        MCP_STATION_RESTART_BACKOFF_MS: "100",
        MCP_STATION_RESTART_BACKOFF_MAX_MS: "400",
        MCP_STATION_MAX_RESTARTS: "50",
        MCP_STATION_START_TIMEOUT_MS: "1000",
      },
    );
    const id = (await station.create({ server: "far" })).body.session_id;
    // Stopped, the process still accepts connections (the kernel does) and answers nothing.
    remote.signal("SIGSTOP");
    expect(
      await eventually(
        async () => (await station!.call("GET", `/sessions/${id}/history`)).body.entries.some((e: any) => e.status === "unresponsive"),
        10_000,
      ),
    ).toBeTruthy();
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "restarting", 10_000)).toBeTruthy();
    remote.signal("SIGCONT");
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${id}`)).body.status === "running", 20_000)).toBeTruthy();
    const called = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "answering again" } });
    expect(text(called.body)).toBe("answering again");
  });

  test("a station restarted with a store restores a remote session: the same session id, connected again", async () => {
    const remote = await startRemote("sdk-v1");
    const env = { MCP_STATION_PERSISTENCE: "on", MCP_STATION_DATA_DIR: mkdtempSync(join(dir, "data-")) };
    const file = join(dir, `${crypto.randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ mcpServers: { far: { url: remote.url } } }));
    station = await startStation({ MCP_STATION_SERVERS_FILE: file, ...env }, { withStore: true });
    const id = (await station.create({ server: "far" })).body.session_id;
    await station.stop();
    station = await startStation({ MCP_STATION_SERVERS_FILE: file, ...env }, { withStore: true });
    const restored = await station.call("GET", `/sessions/${id}`);
    expect(restored.body).toMatchObject({ status: "running", restored: true, pid: null, server: "far" });
    const called = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "restored" } });
    expect(text(called.body)).toBe("restored");
  });

  test("a header value that cannot be sent (a line break) fails the create, naming the header and not its value", async () => {
    station = await stationWith({ far: { url: "http://127.0.0.1:9/mcp", headers: { Authorization: "Bearer abc\nX-Injected: 1" } } });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(502);
    expect(created.body.error.message).toContain("the header Authorization cannot be sent");
    expect(JSON.stringify(created.body)).not.toContain("Bearer abc");
  });

  test("an unreachable url fails the create with a clear start_failed", async () => {
    station = await stationWith({ nowhere: { url: "http://127.0.0.1:9/mcp" } });
    const created = await station.create({ server: "nowhere" });
    expect(created.status).toBe(502);
    expect(created.body.error.message).toContain("unreachable");
  });

  test("args, env and a working directory are refused for a remote server", async () => {
    station = await stationWith({ far: { url: "http://127.0.0.1:9/mcp" } });
    const refused = await station.create({ server: "far", server_args: ["x"] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toContain("remote server");
  });
});
