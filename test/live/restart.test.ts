/**
 * Issue 14 on the live channels: a restart the policy recovers from goes
 * unnoticed by the WebSocket and the MCP endpoints. A request that arrives
 * while the server restarts waits for the new process (within its deadline),
 * as on /mcp/request: 503 session_restarting with Retry-After when the
 * restart cannot make it, 409 when the policy gave up. Requests in flight at
 * the death get their error; a socket stays open, and a legacy client's MCP
 * session carries on, with what it set up sent again to the new process.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { initializeLegacy, modernCall, post } from "./mcp-http.ts";
import { openSocket } from "./support.ts";

const BACKOFF_MS = 300;
let station: TestStation;
beforeAll(async () => {
  station = await startStation({
    MCP_STATION_RESTART_BACKOFF_MS: String(BACKOFF_MS),
    MCP_STATION_RESTART_BACKOFF_MAX_MS: String(BACKOFF_MS * 4),
  });
});
afterAll(() => station.stop());

const stateDir = mkdtempSync(join(tmpdir(), "restart-test-"));
let states = 0;

async function session(file: string, extra: Record<string, unknown> = {}, on = station) {
  const created = await on.create({
    server_command: fixture(file),
    restart_policy: "on-failure",
    max_restarts: 3,
    env_vars: { STATE_FILE: join(stateDir, `state-${states++}`) },
    ...extra,
  });
  expect(created.status).toBe(200);
  const id: string = created.body.session_id;
  const info = async () => (await on.call("GET", `/sessions/${id}`)).body;
  return { id, info, url: `${on.url}/sessions/${id}/mcp`, ws: `${on.url.replace("http", "ws")}/sessions/${id}/ws` };
}

const call = (id: unknown, name: string, args: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});
const textOf = (message: any) => message.result?.content?.[0]?.text;

describe("the WebSocket across a restart", () => {
  test("stays open: the request in flight at the death gets server_exited, later ones and initialize wait for the new process", async () => {
    const { ws, info } = await session("crash.mjs");
    const socket = await openSocket(ws);
    socket.send(call("pid-1", "whoami"));
    const firstPid = textOf(await socket.next((m) => m.id === "pid-1"));
    socket.send(call("crash", "crash"));
    const crashed = await socket.next((m) => m.id === "crash");
    expect(crashed.error.data).toMatchObject({ type: "server_exited", exit_code: 3 });
    expect((await info()).status).toBe("restarting");
    socket.send({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: "2025-11-25", capabilities: {} } });
    socket.send(call("after", "echo", { text: "after the restart" }));
    expect(textOf(await socket.next((m) => m.id === "after"))).toBe("after the restart");
    expect((await socket.next((m) => m.id === "init")).result.serverInfo.name).toBe("crash");
    socket.send(call("pid-2", "whoami"));
    expect(textOf(await socket.next((m) => m.id === "pid-2"))).not.toBe(firstPid);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    expect(await info()).toMatchObject({ status: "running", restarts: 1 });
    socket.ws.close();
  });

  test("stays open through a restart attempt that fails before one succeeds", async () => {
    const { id, ws, info } = await session("crash-fail-restart.mjs");
    const socket = await openSocket(ws);
    socket.send(call("crash", "crash", { failStarts: 1 }));
    await socket.next((m) => m.id === "crash");
    socket.send(call("after", "echo", { text: "second attempt" }));
    expect(textOf(await socket.next((m) => m.id === "after"))).toBe("second attempt");
    const events = (await station.call("GET", `/sessions/${id}/events`)).body.events;
    const statuses = events.filter((e: any) => e.kind === "status").map((e: any) => e.data.status);
    // The first attempt failed: the session was exited between the two.
    expect(statuses.slice(-7)).toEqual(["exited", "restarting", "starting", "exited", "restarting", "starting", "running"]);
    expect(socket.ws.readyState).toBe(WebSocket.OPEN);
    expect(await info()).toMatchObject({ status: "running", restarts: 1 });
    socket.ws.close();
  });

  test("closes when the policy gives up; a request waiting then gets session_not_running", async () => {
    const { ws, info } = await session("crash-fail-restart.mjs", { max_restarts: 1 });
    const socket = await openSocket(ws);
    socket.send(call("crash", "crash", { failStarts: 5 }));
    await socket.next((m) => m.id === "crash");
    socket.send(call("waiting", "echo", { text: "never" }));
    const waited = await socket.next((m) => m.id === "waiting");
    expect(waited.error.data).toMatchObject({ type: "session_not_running", status: "failed" });
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 1011, reason: "the session failed" });
    expect((await info()).status).toBe("failed");
  });
});

describe("the MCP endpoints across a restart", () => {
  test("a legacy client's MCP session survives: its call in flight fails, the next waits for the new process", async () => {
    const { url } = await session("crash.mjs");
    const init = await initializeLegacy(url);
    const sid = init.headers.get("mcp-session-id")!;
    const headers = { "mcp-session-id": sid, accept: "application/json" };
    const crashed = await (await post(url, call(1, "crash"), headers)).json();
    expect((crashed as any).error.data).toMatchObject({ type: "server_exited", exit_code: 3 });
    const json = await post(url, call(2, "echo", { text: "as JSON" }), headers);
    expect(json.status).toBe(200);
    expect(textOf(await json.json())).toBe("as JSON");
    // The same Mcp-Session-Id goes on working, streams included.
    const sse = await post(url, call(3, "echo", { text: "as a stream" }), { "mcp-session-id": sid });
    expect(sse.headers.get("content-type")).toContain("text/event-stream");
    expect(await sse.text()).toContain("as a stream");
  });

  test("initialize and a 2026-07-28 request that arrive during the restart wait for the new process", async () => {
    const { url, info } = await session("crash.mjs");
    const sid = (await initializeLegacy(url)).headers.get("mcp-session-id")!;
    await post(url, call(1, "crash"), { "mcp-session-id": sid, accept: "application/json" });
    expect((await info()).status).toBe("restarting");
    const [init, modern] = await Promise.all([initializeLegacy(url), modernCall(url, 7, "echo", { text: "modern" })]);
    expect(init.status).toBe(200);
    expect(((await init.json()) as any).result.serverInfo.name).toBe("crash");
    expect(modern.status).toBe(200);
    expect(textOf(await modern.json())).toBe("modern");
    expect((await info()).restarts).toBe(1);
  });

  test("what a legacy client set up on the server is sent again to the new process", async () => {
    const { url, info } = await session("crash-forgets-setup.mjs");
    const sid = (await initializeLegacy(url)).headers.get("mcp-session-id")!;
    const headers = { "mcp-session-id": sid, accept: "application/json" };
    const ask = async (id: number, method: string, params: Record<string, unknown>) =>
      (await (await post(url, { jsonrpc: "2.0", id, method, params }, headers)).json()) as any;
    expect((await ask(1, "resources/subscribe", { uri: "file:///a" })).result).toEqual({});
    expect((await ask(2, "resources/subscribe", { uri: "file:///b" })).result).toEqual({});
    expect((await ask(3, "resources/unsubscribe", { uri: "file:///b" })).result).toEqual({});
    expect((await ask(4, "logging/setLevel", { level: "debug" })).result).toEqual({});
    await ask(5, "tools/call", { name: "crash", arguments: {} });
    expect(await eventually(async () => (await info()).status === "running")).toBe(true);
    const setup = async () => JSON.parse(textOf(await ask(6, "tools/call", { name: "setup", arguments: {} })));
    expect(await eventually(async () => (await setup()).subscriptions.length > 0)).toBe(true);
    expect(await setup()).toEqual({ level: "debug", subscriptions: ["file:///a"] });
  });

  test("a legacy client's MCP session ends when the restarted server announces itself otherwise (404: initialize again)", async () => {
    const { url, info } = await session("crash-new-version.mjs");
    const init = await initializeLegacy(url);
    expect(((await init.json()) as any).result.serverInfo.version).toBe("1");
    const sid = init.headers.get("mcp-session-id")!;
    await post(url, call(1, "crash"), { "mcp-session-id": sid, accept: "application/json" });
    expect(await eventually(async () => (await info()).status === "running")).toBe(true);
    expect(await eventually(async () => (await post(url, call(2, "echo", { text: "x" }), { "mcp-session-id": sid })).status === 404)).toBe(
      true,
    );
    expect(((await (await initializeLegacy(url)).json()) as any).result.serverInfo.version).toBe("2");
  });

  test("after the policy gave up: 409 session_not_running with the reason; the legacy client's MCP session is gone", async () => {
    const { url, info } = await session("crash.mjs", { max_restarts: 0 });
    const sid = (await initializeLegacy(url)).headers.get("mcp-session-id")!;
    await post(url, call(1, "crash"), { "mcp-session-id": sid, accept: "application/json" });
    expect(await eventually(async () => (await info()).status === "failed")).toBe(true);
    const modern = await modernCall(url, 2, "echo", { text: "x" });
    expect(modern.status).toBe(409);
    const body = (await modern.json()) as any;
    expect(body.error.code).toBe(-32002);
    expect(body.error.data).toMatchObject({ type: "session_not_running", status: "failed" });
    expect(body.error.data.failure_reason).toContain("gave up");
    expect((await initializeLegacy(url)).status).toBe(409);
    expect(await eventually(async () => (await post(url, call(3, "echo", { text: "x" }), { "mcp-session-id": sid })).status === 404)).toBe(
      true,
    );
  });
});

describe("a restart that cannot make the request's deadline", () => {
  let slow: TestStation;
  beforeAll(async () => {
    slow = await startStation({
      MCP_STATION_REQUEST_TIMEOUT_MS: "1000",
      MCP_STATION_RESTART_BACKOFF_MS: "5000",
      MCP_STATION_RESTART_BACKOFF_MAX_MS: "5000",
    });
  });
  afterAll(() => slow.stop());

  test("is 503 session_restarting with Retry-After on both MCP endpoints' eras, at once", async () => {
    const { url, info } = await session("crash.mjs", {}, slow);
    const sid = (await initializeLegacy(url)).headers.get("mcp-session-id")!;
    await post(url, call(1, "crash"), { "mcp-session-id": sid, accept: "application/json" });
    const { next_restart_at } = await info();
    const sent = performance.now();
    const answers = await Promise.all([
      post(url, call(2, "echo", { text: "x" }), { "mcp-session-id": sid }),
      modernCall(url, 3, "echo", { text: "x" }),
      initializeLegacy(url),
    ]);
    expect(performance.now() - sent).toBeLessThan(1_000);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      const retryAfter = Number(answer.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(5);
      const body = (await answer.json()) as any;
      expect(body.error.code).toBe(-32016);
      expect(body.error.data).toMatchObject({ type: "session_restarting", status: "restarting", next_restart_at });
    }
  });
});
