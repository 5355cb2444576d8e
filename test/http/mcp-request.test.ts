/**
 * POST /mcp/request under load and at its edges: many callers on one session,
 * deadlines with cancellation, progress, notifications, and withdrawn requests.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
let sessionId: string;

beforeAll(async () => {
  station = await startStation();
  sessionId = (await station.create({ server_command: fixture("echo.mjs") })).body.session_id;
});
afterAll(() => station.stop());

const stderrLines = async () => (await station.call("GET", `/sessions/${sessionId}/logs?limit=1000`)).body.lines.map((l: any) => l.text);

describe("many callers share one session", () => {
  test("200 concurrent requests, all with the same client id, each get their own answer", async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        station.call("POST", "/mcp/request", {
          jsonrpc: "2.0",
          id: 1, // every caller uses the same id: the station's own ids keep them apart
          session_id: sessionId,
          method: "tools/call",
          params: { name: "echo", arguments: { text: `token-${i}` } },
        }),
      ),
    );
    answers.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body.data.content[0].text).toBe(`token-${i}`);
    });
  });
});

describe("deadlines", () => {
  test("a request past its deadline answers 504 and the server is told to cancel it", async () => {
    const res = await station.mcp(sessionId, "tools/call", { name: "slow", arguments: { ms: 30_000 } }, { timeout_ms: 300 });
    expect(res.status).toBe(504);
    expect(res.body.error.data.type).toBe("request_timeout");
    // The fixture writes "cancelled <id>" to stderr when notifications/cancelled reaches it.
    expect(await eventually(async () => (await stderrLines()).some((l: string) => l.startsWith("cancelled ")))).toBe(true);
  });

  test("progress keeps a long request alive past its deadline", async () => {
    // 6 steps 150 ms apart: 900 ms of work with a 400 ms deadline that each progress renews.
    const res = await station.mcp(
      sessionId,
      "tools/call",
      { name: "progress", arguments: { steps: 6, intervalMs: 150 } },
      { timeout_ms: 400 },
    );
    expect(res.status).toBe(200);
    expect(res.body.data.content[0].text).toBe("done 6");
  });

  test("a caller that hangs up withdraws its request and the server is told", async () => {
    const before = (await stderrLines()).filter((l: string) => l.startsWith("cancelled ")).length;
    const controller = new AbortController();
    const pending = fetch(`${station.url}/mcp/request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: sessionId, method: "tools/call", params: { name: "slow", arguments: { ms: 30_000 } } }),
      signal: controller.signal,
    }).catch(() => "aborted");
    await eventually(() => station.manager.get(sessionId).inFlight === 1);
    controller.abort();
    expect(await pending).toBe("aborted");
    expect(await eventually(() => station.manager.get(sessionId).inFlight === 0)).toBe(true);
    expect(await eventually(async () => (await stderrLines()).filter((l: string) => l.startsWith("cancelled ")).length > before)).toBe(
      true,
    );
  });
});

describe("notifications and events", () => {
  test("a notification to the server answers 202 at once", async () => {
    const res = await station.mcp(sessionId, "notifications/roots/list_changed", {});
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ success: true, data: null });
  });

  test("the server's notifications are kept as events, readable after an id", async () => {
    const before = (await station.call("GET", `/sessions/${sessionId}/events`)).body.last_id;
    await station.mcp(sessionId, "tools/call", { name: "log", arguments: { text: "hello log" } });
    const page = (await station.call("GET", `/sessions/${sessionId}/events?after=${before}`)).body;
    expect(page.events.map((e: any) => e.data)).toContainEqual({
      method: "notifications/message",
      params: { level: "info", logger: "echo", data: "hello log" },
    });
    expect(page.dropped).toBe(0);
  });

  test("a JSON-RPC error from the server is its answer: 200 with success false", async () => {
    const res = await station.mcp(sessionId, "tools/call", { name: "no-such-tool", arguments: {} });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, error: { code: -32602 } });
    const unknown = await station.mcp(sessionId, "no/such/method", {});
    expect(unknown.body).toMatchObject({ success: false, error: { code: -32601 } });
  });
});
