/**
 * GET /sessions/{id}/events with Accept: text/event-stream: live server
 * notifications, status changes and stderr lines with ids; resumption after a
 * dropped connection with Last-Event-ID; a `dropped` marker when the bounded
 * buffer no longer holds what was missed. The JSON page on the same path stays.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { SseReader } from "./support.ts";

let station: TestStation;
beforeAll(async () => {
  // A small event buffer, so that a reader away for a few events misses some.
  station = await startStation({ MCP_STATION_EVENT_BUFFER: "4", MCP_STATION_RESTART_BACKOFF_MS: "50" });
});
afterAll(() => station.stop());

async function session(file = "echo.mjs"): Promise<string> {
  const created = await station.create({ server_type: "node", server_command: fixture(file) });
  expect(created.status).toBe(200);
  return created.body.session_id;
}

const stream = async (id: string, headers: Record<string, string> = {}) =>
  new SseReader(await fetch(`${station.url}/sessions/${id}/events`, { headers: { accept: "text/event-stream", ...headers } }));
const log = (id: string, text: string) => station.mcp(id, "tools/call", { name: "log", arguments: { text } });
const logged = (text: string) => (event: { event?: string; data: string }) =>
  event.event === "notification" && event.data.includes(`"data":"${text}"`);

describe("session events as Server-Sent Events", () => {
  test("streams notifications, status and stderr lines live, each with an id", async () => {
    const id = await session();
    const sse = await stream(id);
    expect(sse.response.headers.get("content-type")).toBe("text/event-stream");
    await sse.until((e) => e.event === "status");
    await log(id, "live one");
    const notification = await sse.until(logged("live one"));
    expect(JSON.parse(notification.data).data).toEqual({
      method: "notifications/message",
      params: { level: "info", logger: "echo", data: "live one" },
    });
    expect(notification.id).toMatch(/^\d+-\d+$/);
    // A request the station gives up on is cancelled; the fixture says so on stderr.
    await station.mcp(id, "tools/call", { name: "slow", arguments: { ms: 60_000 } }, { timeout_ms: 50 });
    const line = await sse.until((e) => e.event === "stderr");
    expect(JSON.parse(line.data).text).toMatch(/^cancelled \d+$/);
    await sse.cancel();
  });

  test("a reader that reconnects with Last-Event-ID gets exactly what it missed", async () => {
    const id = await session();
    const first = await stream(id);
    await log(id, "before");
    const seen = await first.until(logged("before"));
    await first.cancel();
    await log(id, "missed 1");
    await log(id, "missed 2");
    const again = await stream(id, { "last-event-id": seen.id! });
    await again.until(logged("missed 2"));
    const notifications = again.events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data).data.params.data);
    expect(notifications).toEqual(["missed 1", "missed 2"]);
    expect(again.events.some((e) => e.event === "dropped")).toBe(false);
    await again.cancel();
  });

  test("a reader away longer than the buffer holds is told how many events were dropped", async () => {
    const id = await session();
    const first = await stream(id);
    await log(id, "seen");
    const seen = await first.until(logged("seen"));
    await first.cancel();
    for (let i = 1; i <= 7; i++) await log(id, `away ${i}`);
    const again = await stream(id, { "last-event-id": seen.id! });
    await again.until(logged("away 7"));
    const dropped = again.events.find((e) => e.event === "dropped");
    expect(dropped).toBeDefined();
    expect(JSON.parse(dropped!.data).events).toBe(3);
    const notifications = again.events.filter((e) => e.event === "notification").map((e) => JSON.parse(e.data).data.params.data);
    expect(notifications).toEqual(["away 4", "away 5", "away 6", "away 7"]);
    await again.cancel();
  });

  test("a stderr flood does not evict the server's notifications", async () => {
    const id = await session("stderr-flood.mjs");
    await log(id, "keep me");
    await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x", bytes: 512 * 1024 } });
    const page = await station.call("GET", `/sessions/${id}/events`);
    expect(page.status).toBe(200);
    expect(JSON.stringify(page.body.events)).toContain("keep me");
  });

  test("without the SSE Accept header the same path still answers the JSON page", async () => {
    const id = await session();
    await log(id, "paged");
    const page = await station.call("GET", `/sessions/${id}/events?after=0`);
    expect(page.status).toBe(200);
    expect(page.body.session_id).toBe(id);
    expect(JSON.stringify(page.body.events)).toContain("paged");
  });

  test("an exited session's stream ends after its exit, and a caught-up reader gets 204 (no reconnect loop)", async () => {
    const id = await session("crash.mjs");
    const sse = await stream(id);
    await station.mcp(id, "tools/call", { name: "crash", arguments: {} });
    const events = await sse.drain();
    const exit = events.find((e) => e.event === "status" && e.data.includes('"exited"'));
    expect(exit).toBeDefined();
    const last = events.filter((e) => e.id !== undefined).at(-1)!;
    const after = await fetch(`${station.url}/sessions/${id}/events`, {
      headers: { accept: "text/event-stream", "last-event-id": last.id! },
    });
    expect(after.status).toBe(204);
  });

  test("a session that fails (the restart policy gave up) ends its stream too, and a caught-up reader gets 204", async () => {
    const created = await station.create({
      server_type: "node",
      server_command: fixture("crash.mjs"),
      restart_policy: "on-failure",
      max_restarts: 0,
    });
    expect(created.status).toBe(200);
    const id: string = created.body.session_id;
    const sse = await stream(id);
    await station.mcp(id, "tools/call", { name: "crash", arguments: {} });
    const events = await sse.drain();
    const statuses = events.filter((e) => e.event === "status").map((e) => JSON.parse(e.data).data.status);
    expect(statuses.at(-1)).toBe("failed");
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("failed");
    const last = events.filter((e) => e.id !== undefined).at(-1)!;
    const after = await fetch(`${station.url}/sessions/${id}/events`, {
      headers: { accept: "text/event-stream", "last-event-id": last.id! },
    });
    expect(after.status).toBe(204);
    // A reader from the start gets the whole (bounded) buffer, then the end.
    const replay = await stream(id);
    const replayed = await replay.drain();
    expect(replayed.some((e) => e.event === "status" && e.data.includes('"failed"'))).toBe(true);
  });

  test("an exit the restart policy recovers from does not end the stream: it carries on into the new run", async () => {
    const created = await station.create({
      server_type: "node",
      server_command: fixture("crash.mjs"),
      restart_policy: "on-failure",
      max_restarts: 1,
    });
    expect(created.status).toBe(200);
    const id: string = created.body.session_id;
    const sse = await stream(id);
    await sse.until((e) => e.event === "open");
    await station.mcp(id, "tools/call", { name: "crash", arguments: {} });
    const status = (e: { event?: string; data: string }) => (e.event === "status" ? JSON.parse(e.data).data.status : undefined);
    const exited = await sse.until((e) => status(e) === "exited");
    await sse.until((e) => status(e) === "running" && sse.events.indexOf(e) > sse.events.indexOf(exited));
    expect(sse.ended).toBe(false);
    await station.call("DELETE", `/sessions/${id}`);
    await sse.drain();
    expect(
      sse.events
        .filter((e) => status(e) !== undefined)
        .map(status)
        .slice(-2),
    ).toEqual(["stopping", "exited"]);
  });
});
