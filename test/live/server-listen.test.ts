/**
 * A 2026-07-28 server sends list changes and resource updates only on a
 * subscriptions/listen stream its client opened. The station opens one for
 * each modern session (per the capabilities server/discover reported), with
 * no deadline and outside the in-flight count, again after a restart, and
 * cancels it on stop; what arrives on it reaches every live channel. A
 * modern client's resourceSubscriptions and a legacy client's
 * resources/subscribe become listens of their own for that URI.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { MODERN_VERSION } from "../../src/protocol/versions.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { SseReader, openSocket } from "./support.ts";

let station: TestStation;
beforeAll(async () => {
  // Short request deadlines, so a test can outlast them; one request in flight at most, so a listen counted as one would show.
  station = await startStation({
    MCP_STATION_RESTART_BACKOFF_MS: "50",
    MCP_STATION_MAX_IN_FLIGHT_PER_SESSION: "1",
    MCP_STATION_REQUEST_TIMEOUT_MS: "1000",
    MCP_STATION_MAX_REQUEST_TIMEOUT_MS: "1000",
    // The v2 SDK's servers are slow to start on a busy machine: past the probe deadline the station sends
    // initialize as well, which makes them legacy for life (docs/mcp.md, finding the era), and these tests
    // are about modern servers.
    MCP_STATION_PROBE_TIMEOUT_MS: "15000",
  });
});
afterAll(() => station.stop());

const BOTH = "application/json, text/event-stream";
const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

async function session(file: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await station.create({ server_type: "node", server_command: fixture(file), ...extra });
  expect(created.status).toBe(200);
  expect(created.body.era).toBe("modern");
  return created.body.session_id;
}

const stderrOf = async (id: string): Promise<string> =>
  (await station.call("GET", `/sessions/${id}/logs`)).body.lines.map((line: { text: string }) => line.text).join("\n");
const callTool = (id: string, name: string, args: Record<string, unknown> = {}) => station.mcp(id, "tools/call", { name, arguments: args });
const textOf = (reply: { body: any }) => reply.body.data.content[0].text as string;
const modernMeta = () => ({
  "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
});
const listenFrom = (url: string, id: string | number, notifications: Record<string, unknown>) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: BOTH,
      "mcp-protocol-version": MODERN_VERSION,
      "mcp-method": "subscriptions/listen",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id, method: "subscriptions/listen", params: { notifications, _meta: modernMeta() } }),
  });
const toolsChanged = (e: { data: string }) => e.data.includes("notifications/tools/list_changed");

async function legacyClient(url: string) {
  const init = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
    }),
  });
  const sid = init.headers.get("mcp-session-id")!;
  const post = (body: unknown) =>
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "mcp-session-id": sid,
        "mcp-protocol-version": "2025-11-25",
      },
      body: JSON.stringify(body),
    });
  const getStream = async () =>
    new SseReader(
      await fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" } }),
    );
  return { post, getStream };
}

describe("the station's own subscriptions/listen to a modern server", () => {
  test("a modern server's list change (SDK v2, modern-listen.mjs) reaches SSE, WebSocket, legacy GET streams and modern listeners", async () => {
    const id = await session("modern-listen.mjs");
    const url = `${station.url}/sessions/${id}/mcp`;
    const events = new SseReader(await fetch(`${station.url}/sessions/${id}/events`, { headers: { accept: "text/event-stream" } }));
    await events.until((e) => e.event === "open");
    const socket = await openSocket(`${station.url.replace("http", "ws")}/sessions/${id}/ws`);
    const legacy = await legacyClient(url);
    const legacyStream = await legacy.getStream();
    const listener = new SseReader(await listenFrom(url, "mine", { toolsListChanged: true }));
    await listener.until((e) => e.data.includes("acknowledged"));

    expect(textOf(await callTool(id, "add_tool"))).toBe("added extra_1");

    const event = JSON.parse((await events.until((e) => e.event === "notification" && toolsChanged(e))).data);
    // An ordinary session notification: the station's own subscription id is not passed on.
    expect(event.data).toEqual({ method: "notifications/tools/list_changed", params: {} });
    expect((await socket.next((m) => m.method === "notifications/tools/list_changed")).params ?? {}).toEqual({});
    expect(JSON.parse((await legacyStream.until(toolsChanged)).data)).toMatchObject({ method: "notifications/tools/list_changed" });
    expect(JSON.parse((await listener.until(toolsChanged)).data).params).toEqual({ _meta: { [SUBSCRIPTION_ID]: "mine" } });
    // The station's acknowledgement is its own business: it is not an event.
    const page = await station.call("GET", `/sessions/${id}/events`);
    expect(JSON.stringify(page.body.events)).not.toContain("subscriptions/acknowledged");
    socket.ws.close();
    await Promise.all([events.cancel(), legacyStream.cancel(), listener.cancel()]);
  });

  test("the listen asks for what server/discover declared, has no deadline, and is not an in-flight request", async () => {
    const id = await session("modern-subscriptions.mjs");
    expect(await eventually(async () => (await stderrOf(id)).includes("listen "))).toBeTruthy();
    expect(await stderrOf(id)).toMatch(/^listen \d+ \{"toolsListChanged":true,"promptsListChanged":true,"resourcesListChanged":true\}$/m);
    const info = await station.call("GET", `/sessions/${id}`);
    expect(info.body.in_flight).toBe(0);
    // MCP_STATION_MAX_IN_FLIGHT_PER_SESSION is 1 here: a caller's request still goes through.
    expect(textOf(await callTool(id, "echo", { text: "room" }))).toBe("room");
    // Past the request deadline (1 s here): the subscription is still open, never cancelled.
    await Bun.sleep(1_300);
    expect(await stderrOf(id)).not.toContain("listen cancelled");
    const listens = JSON.parse(textOf(await callTool(id, "listens")));
    expect(listens).toEqual({ received: 1, open: [{ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true }] });
    const events = new SseReader(await fetch(`${station.url}/sessions/${id}/events`, { headers: { accept: "text/event-stream" } }));
    for (const kind of ["tools", "prompts", "resources"]) expect(textOf(await callTool(id, "change", { kind }))).toBe("changed 1");
    await events.until((e) => e.data.includes("notifications/resources/list_changed"));
    const methods = events.events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data).data.method);
    expect(methods).toEqual([
      "notifications/tools/list_changed",
      "notifications/prompts/list_changed",
      "notifications/resources/list_changed",
    ]);
    await events.cancel();
  });

  test("stopping the session cancels the listen (notifications/cancelled) before the server goes", async () => {
    const id = await session("modern-subscriptions.mjs");
    expect(await eventually(async () => (await stderrOf(id)).includes("listen "))).toBeTruthy();
    const listenId = (await stderrOf(id)).match(/^listen (\d+) /m)![1];
    // DELETE forgets the session: its stderr is read through the object kept here.
    const kept = station.manager.get(id);
    expect((await station.call("DELETE", `/sessions/${id}`)).status).toBe(200);
    expect(await eventually(async () => kept.stderr!.tail(100).some((line) => line.text === `listen cancelled ${listenId}`))).toBeTruthy();
  });

  test("a server that answers subscriptions/listen with an error keeps working, and is not asked again and again", async () => {
    const id = await session("modern-subscriptions.mjs", { server_args: ["refuse"] });
    expect(await eventually(async () => (await stderrOf(id)).includes("listen refused"))).toBeTruthy();
    expect(textOf(await callTool(id, "echo", { text: "still here" }))).toBe("still here");
    expect((await station.call("GET", `/sessions/${id}`)).body).toMatchObject({ status: "running", in_flight: 0 });
    await Bun.sleep(200);
    expect(JSON.parse(textOf(await callTool(id, "listens"))).received).toBe(1);
  });

  test("after the server restarts, the new process is listened to again", async () => {
    const id = await session("modern-listen.mjs", { restart_policy: "on-failure", max_restarts: 3 });
    const events = new SseReader(await fetch(`${station.url}/sessions/${id}/events`, { headers: { accept: "text/event-stream" } }));
    const pid = (await station.call("GET", `/sessions/${id}`)).body.pid as number;
    process.kill(pid, "SIGKILL");
    expect(
      await eventually(async () => {
        const info = (await station.call("GET", `/sessions/${id}`)).body;
        return info.status === "running" && info.pid !== pid;
      }),
    ).toBeTruthy();
    expect(textOf(await callTool(id, "add_tool"))).toBe("added extra_1");
    const changed = await events.until((e) => e.event === "notification" && toolsChanged(e));
    expect(JSON.parse(changed.data).data.method).toBe("notifications/tools/list_changed");
    expect((await station.call("GET", `/sessions/${id}`)).body.restarts).toBe(1);
    await events.cancel();
  });
});

describe("resource subscriptions on a modern server", () => {
  test("a modern client's resourceSubscriptions become a listen of its own for those URIs, cancelled when the client goes", async () => {
    const id = await session("modern-subscriptions.mjs");
    const url = `${station.url}/sessions/${id}/mcp`;
    const listener = new SseReader(await listenFrom(url, 7, { resourceSubscriptions: ["note://a"] }));
    await listener.until((e) => e.data.includes("acknowledged"));
    expect(await eventually(async () => (await stderrOf(id)).includes('{"resourceSubscriptions":["note://a"]}'))).toBeTruthy();
    expect(textOf(await callTool(id, "touch", { uri: "note://a" }))).toBe("touched 1");
    const updated = JSON.parse((await listener.until((e) => e.data.includes("resources/updated"))).data);
    expect(updated.params).toEqual({ uri: "note://a", _meta: { [SUBSCRIPTION_ID]: 7 } });
    // Not a listen per client: a second client for the same URI shares it.
    const second = new SseReader(await listenFrom(url, 8, { resourceSubscriptions: ["note://a"] }));
    await second.until((e) => e.data.includes("acknowledged"));
    expect(JSON.parse(textOf(await callTool(id, "listens"))).open).toHaveLength(2);
    await listener.cancel();
    await second.cancel();
    expect(await eventually(async () => JSON.parse(textOf(await callTool(id, "listens"))).open.length === 1)).toBeTruthy();
    expect(await stderrOf(id)).toMatch(/^listen cancelled \d+$/m);
  });

  test("a legacy client's resources/subscribe and unsubscribe are bridged to a listen for that URI", async () => {
    const id = await session("modern-subscriptions.mjs");
    const legacy = await legacyClient(`${station.url}/sessions/${id}/mcp`);
    const stream = await legacy.getStream();
    const subscribed = await legacy.post({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: "note://b" } });
    expect(await subscribed.json()).toEqual({ jsonrpc: "2.0", id: 1, result: {} });
    expect(await eventually(async () => (await stderrOf(id)).includes('{"resourceSubscriptions":["note://b"]}'))).toBeTruthy();
    expect(textOf(await callTool(id, "touch", { uri: "note://b" }))).toBe("touched 1");
    expect(JSON.parse((await stream.until((e) => e.data.includes("resources/updated"))).data)).toEqual({
      jsonrpc: "2.0",
      method: "notifications/resources/updated",
      params: { uri: "note://b" },
    });
    await legacy.post({ jsonrpc: "2.0", id: 2, method: "resources/unsubscribe", params: { uri: "note://b" } });
    expect(await eventually(async () => JSON.parse(textOf(await callTool(id, "listens"))).open.length === 1)).toBeTruthy();
    await stream.cancel();
  });
});
