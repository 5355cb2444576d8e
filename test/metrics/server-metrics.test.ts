/**
 * The metrics by server and tool, through a real station and fixture
 * servers: calls by server (registry name or command file name), tool and
 * outcome, the cap on tool labels per server (`other` past it), the time of
 * each request split between the server and the station, sessions by server
 * and status, restarts by server and reason, bytes by server; and the scrape
 * still passes `promtool check metrics`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StationMetrics } from "../../src/metrics/station-metrics.ts";
import { RequestClock } from "../../src/sessions/session-meters.ts";
import { type OpsStation, promtoolCheck, startOpsStation } from "../ops/support.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { parseScrape, type Scrape } from "./scrape.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-server-metrics-"));
let s: OpsStation;
const ids: Record<string, string> = {};
let scrape: Scrape;
let text: string;

const mcp = (session: string, method: string, params?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  s.call("POST", "/mcp/request", { session_id: ids[session], method, params, ...extra });
const tool = (session: string, name: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  mcp(session, "tools/call", { name, arguments: args }, extra);
const info = async (session: string) => (await s.call("GET", `/sessions/${ids[session]}`)).body;

beforeAll(async () => {
  const servers = join(dir, "servers.json");
  writeFileSync(servers, JSON.stringify({ mcpServers: { weather: { command: "node", args: [fixture("echo.mjs")] } } }));
  s = await startOpsStation({
    MCP_STATION_METRICS_MAX_TOOLS: "3",
    MCP_STATION_SERVERS_FILE: servers,
    MCP_STATION_COMMAND_POLICY: "any",
    MCP_STATION_RESTART_BACKOFF_MS: "50",
  });
  const create = async (name: string, body: Record<string, unknown>) => {
    const created = await s.call("POST", "/sessions", body);
    expect(created.status).toBe(200);
    ids[name] = created.body.session_id;
  };
  await create("echo", { server_command: fixture("echo.mjs") });
  await create("weather", { server: "weather" });
  await create("sampling", { server_command: fixture("client-requests.mjs") });
  await create("crashy", { server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: 1 });
  await create("crashed", { server_command: fixture("crash.mjs") });

  // echo.mjs: three tool names take its three labels (echo, slow, nope-1); later names are `other`.
  await tool("echo", "echo", { text: "a" });
  await tool("echo", "echo", { text: "b" });
  expect((await tool("echo", "slow", { ms: 5000 }, { timeout_ms: 50 })).status).toBe(504);
  for (const name of ["nope-1", "nope-2", "nope-3", "x".repeat(200)]) await tool("echo", name);
  await mcp("echo", "tools/list");
  await mcp("echo", "no/such-method");
  // Answered by the station from the handshake: the server's part is nothing.
  await mcp("echo", "initialize", { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } });
  // The cap is per server: on weather, nope-2 still has a label of its own.
  await tool("weather", "echo", { text: "c" });
  await tool("weather", "nope-2");
  // With no live client to ask, the sampling request fails and the tool answers isError.
  const sampled = await tool("sampling", "ask_sampling");
  expect(sampled.body.data.isError).toBe(true);

  // Crashes once (restarted), then again (the policy gives up): failed. The other crashes under never: exited.
  await tool("crashy", "crash");
  expect(await eventually(async () => (await info("crashy")).restarts === 1 && (await info("crashy")).status === "running", 10_000)).toBe(
    true,
  );
  await tool("crashy", "crash");
  expect(await eventually(async () => (await info("crashy")).status === "failed", 10_000)).toBe(true);
  await tool("crashed", "crash");
  expect(await eventually(async () => (await info("crashed")).status === "exited", 10_000)).toBe(true);

  text = await (await fetch(`${s.url}/metrics`)).text();
  scrape = parseScrape(text);
});
afterAll(async () => {
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

const requests = (labels: Record<string, string>) => scrape.value("mcp_station_server_requests_total", labels);

describe("calls by server and tool", () => {
  test("a tools/call is counted under its tool's name, any other request under its method, by outcome", () => {
    expect(requests({ server: "echo.mjs", tool: "echo", outcome: "ok" })).toBe(2);
    expect(requests({ server: "echo.mjs", tool: "slow", outcome: "timeout" })).toBe(1);
    expect(requests({ server: "echo.mjs", tool: "nope-1", outcome: "error" })).toBe(1);
    expect(requests({ server: "echo.mjs", tool: "tools/list", outcome: "ok" })).toBe(1);
    expect(requests({ server: "echo.mjs", tool: "initialize", outcome: "ok" })).toBe(1);
    expect(scrape.value("mcp_station_server_request_duration_seconds_count", { server: "echo.mjs", tool: "echo" })).toBe(2);
  });

  test("a registry server is labelled with its registry name, a command with its file name", () => {
    expect(requests({ server: "weather", tool: "echo", outcome: "ok" })).toBe(1);
    expect(scrape.select("mcp_station_server_requests_total").map((x) => x.labels.server)).not.toContain(fixture("echo.mjs"));
  });

  test("a tool that answers isError counts as tool_error", () => {
    expect(requests({ server: "client-requests.mjs", tool: "ask_sampling", outcome: "tool_error" })).toBe(1);
  });

  test("past the cap per server, tool names count as other; so do names too long for a tool and unknown methods", () => {
    // nope-2, nope-3, the 200-character name, and no/such-method.
    expect(requests({ server: "echo.mjs", tool: "other", outcome: "error" })).toBe(4);
    const echoTools = new Set(scrape.select("mcp_station_server_requests_total", { server: "echo.mjs" }).map((x) => x.labels.tool));
    expect([...echoTools].sort()).toEqual(["echo", "initialize", "nope-1", "other", "slow", "tools/list"]);
    expect(requests({ server: "weather", tool: "nope-2", outcome: "error" })).toBe(1);
  });

  test("a server inventing names cannot grow the scrape: 10,000 names, at most the cap plus other", async () => {
    const metrics = new StationMetrics("test", { defaultMetrics: false, maxToolsPerServer: 5 });
    const meters = metrics.forServer("inventive");
    for (let i = 0; i < 10_000; i++) meters.request("tools/call", { name: `tool-${i}` }, { content: [] }, undefined, new RequestClock());
    const made = parseScrape(await metrics.registry.metrics());
    const tools = new Set(made.select("mcp_station_server_requests_total").map((x) => x.labels.tool));
    expect(tools.size).toBe(6);
    expect(made.value("mcp_station_server_requests_total", { server: "inventive", tool: "other", outcome: "ok" })).toBe(9_995);
  });
});

describe("servers past MCP_STATION_METRICS_MAX_SERVERS", () => {
  test("share the label other, in requests, bytes and restarts alike", async () => {
    const metrics = new StationMetrics("test", { defaultMetrics: false, maxServers: 3 });
    for (let i = 0; i < 100; i++) {
      const meters = metrics.forServer(`server-${i}.py`);
      meters.bytesToServer(10);
      meters.request("tools/list", undefined, { tools: [] }, undefined, new RequestClock());
      metrics.restarted({ spec: { server_command: `/tmp/run/server-${i}.py` } } as never, "exited", true);
    }
    const made = parseScrape(await metrics.registry.metrics());
    const servers = (name: string) => [...new Set(made.select(name).map((x) => x.labels.server))].sort();
    const expected = ["other", "server-0.py", "server-1.py", "server-2.py"];
    expect(servers("mcp_station_server_requests_total")).toEqual(expected);
    expect(servers("mcp_station_bytes_to_server_total")).toEqual(expected);
    expect(servers("mcp_station_server_restarts_total")).toEqual(expected);
    expect(made.value("mcp_station_bytes_to_server_total", { server: "other" })).toBe(970);
    expect(made.value("mcp_station_server_restarts_total", { server: "other", reason: "exited", outcome: "ok" })).toBe(97);
  });
});

describe("the server's time and the station's", () => {
  const part = (family: string, method: string, series: "sum" | "count") =>
    scrape.value(`mcp_station_mcp_${family}_seconds_${series}`, { method }) ?? Number.NaN;

  test("every request is observed in both parts, and the parts add up to its whole time", () => {
    for (const method of ["tools/call", "tools/list", "initialize", "other"]) {
      const count = part("request_duration", method, "count");
      expect(count).toBeGreaterThan(0);
      expect(part("server_time", method, "count")).toBe(count);
      expect(part("station_time", method, "count")).toBe(count);
      const server = part("server_time", method, "sum");
      const station = part("station_time", method, "sum");
      expect(server).toBeGreaterThanOrEqual(0);
      expect(station).toBeGreaterThanOrEqual(0);
      expect(server + station).toBeCloseTo(part("request_duration", method, "sum"), 6);
    }
  });

  test("a request answered by the station alone has no server part; one written to a server has one", () => {
    expect(part("server_time", "initialize", "sum")).toBe(0);
    expect(part("server_time", "tools/call", "sum")).toBeGreaterThan(0);
  });
});

describe("sessions, restarts and bytes by server", () => {
  test("sessions by server and status, every status of a server with sessions", () => {
    const sessions = (server: string, status: string) => scrape.value("mcp_station_server_sessions", { server, status });
    expect(sessions("echo.mjs", "running")).toBe(1);
    expect(sessions("echo.mjs", "failed")).toBe(0);
    expect(sessions("weather", "running")).toBe(1);
    expect(sessions("crash.mjs", "failed")).toBe(1);
    expect(sessions("crash.mjs", "exited")).toBe(1);
    expect(sessions("crash.mjs", "running")).toBe(0);
    expect(scrape.select("mcp_station_server_sessions", { server: "crash.mjs" })).toHaveLength(7);
  });

  test("restarts by server, reason and outcome", () => {
    expect(scrape.value("mcp_station_server_restarts_total", { server: "crash.mjs", reason: "exited", outcome: "ok" })).toBe(1);
    expect(scrape.sum("mcp_station_server_restarts_total", { server: "echo.mjs" })).toBe(0);
  });

  test("bytes to and from each server, adding up to the station's totals", () => {
    for (const server of ["echo.mjs", "weather", "crash.mjs"]) {
      expect(scrape.value("mcp_station_bytes_to_server_total", { server })).toBeGreaterThan(100);
      expect(scrape.value("mcp_station_bytes_from_server_total", { server })).toBeGreaterThan(100);
    }
    expect(scrape.sum("mcp_station_bytes_to_server_total")).toBe(scrape.value("mcp_station_server_bytes_sent_total")!);
    expect(scrape.sum("mcp_station_bytes_from_server_total")).toBe(scrape.value("mcp_station_server_bytes_received_total")!);
  });

  test("the station's session cap is exported beside its sessions", () => {
    expect(scrape.value("mcp_station_max_sessions")).toBe(100);
  });

  test("the scrape passes promtool check metrics", () => {
    const check = promtoolCheck(text);
    if (check) expect(check).toEqual({ ok: true, output: "" });
  });
});

describe("restarts by reason", () => {
  test("a server the health checks find unresponsive is restarted, counted under its server with reason unresponsive", async () => {
    const checked = await startOpsStation({
      MCP_STATION_HEALTH_INTERVAL_MS: "100",
      MCP_STATION_HEALTH_TIMEOUT_MS: "300",
      MCP_STATION_HEALTH_RESTART_AFTER: "2",
      MCP_STATION_RESTART_BACKOFF_MS: "50",
    });
    const created = (await checked.call("POST", "/sessions", { server_command: fixture("echo.mjs"), restart_policy: "on-failure" })).body;
    process.kill(created.pid, "SIGSTOP");
    try {
      const restarted = async () => (await checked.call("GET", `/sessions/${created.session_id}`)).body;
      expect(await eventually(async () => (await restarted()).restarts === 1 && (await restarted()).status === "running", 10_000)).toBe(
        true,
      );
      const after = parseScrape(await (await fetch(`${checked.url}/metrics`)).text());
      expect(after.value("mcp_station_server_restarts_total", { server: "echo.mjs", reason: "unresponsive", outcome: "ok" })).toBe(1);
      expect(after.value("mcp_station_server_sessions", { server: "echo.mjs", status: "running" })).toBe(1);
    } finally {
      try {
        process.kill(created.pid, "SIGCONT");
      } catch {}
      await checked.stop();
    }
  });
});
