/**
 * GET /metrics: the Prometheus text passes `promtool check metrics`, and the
 * counters follow what happened: requests by route and outcome, MCP round
 * trips by method and outcome, bytes to and from servers, sessions by status.
 * Also the request log: one JSON line per request with its id, session, MCP
 * method, outcome and duration.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { StationMetrics, outcomeOf } from "../../src/metrics/station-metrics.ts";
import { RemoteError, RequestTimeout } from "../../src/errors.ts";
import { fixture } from "../setup/paths.ts";
import { type OpsStation, promtoolCheck, startOpsStation } from "../ops/support.ts";

let s: OpsStation;
let sessionId: string;
beforeAll(async () => {
  s = await startOpsStation();
  sessionId = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body.session_id;
  await s.call("POST", "/mcp/request", { session_id: sessionId, method: "tools/list" }, { "x-request-id": "req-from-caller-1" });
  await s.call("POST", "/mcp/request", { session_id: sessionId, method: "no/such-method" });
  await s.call("POST", `/sessions/${sessionId}/request`, { method: "resources/list" }, { "x-request-id": "req-path-form" });
  await s.call("POST", "/mcp/request", {
    session_id: sessionId,
    method: "tools/call",
    params: { name: "slow", arguments: { ms: 5000 } },
    timeout_ms: 50,
  });
  await s.call("GET", "/sessions/00000000-0000-0000-0000-000000000000");
});
afterAll(() => s.stop());

describe("/metrics", () => {
  test("passes promtool check metrics, with the process metrics too", async () => {
    const res = await fetch(`${s.url}/metrics`);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    const check = promtoolCheck(text);
    if (check) expect(check).toEqual({ ok: true, output: "" });
    // The binary run (test/ops) checks the process-wide metrics; a test process has many stations.
    const withDefaults = new StationMetrics("test", { defaultMetrics: true });
    const full = await withDefaults.registry.metrics();
    expect(full).toContain("process_resident_memory_bytes");
    const fullCheck = promtoolCheck(full);
    if (fullCheck) expect(fullCheck).toEqual({ ok: true, output: "" });
  });

  test("counts requests by route, MCP method and outcome, and bytes both ways", async () => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    expect(text).toContain('mcp_station_http_requests_total{route="/sessions",method="POST",status="200"} 1');
    expect(text).toContain('mcp_station_http_requests_total{route="/sessions/:session_id",method="GET",status="404"} 1');
    expect(text).toContain('mcp_station_mcp_requests_total{method="tools/list",outcome="ok"} 1');
    // A caller's made-up method does not become a label of its own.
    expect(text).toContain('mcp_station_mcp_requests_total{method="other",outcome="error"} 1');
    expect(text).toContain('mcp_station_mcp_requests_total{method="tools/call",outcome="timeout"} 1');
    expect(text).toContain('mcp_station_mcp_request_duration_seconds_count{method="tools/list"} 1');
    expect(text).toMatch(/mcp_station_session_initialize_duration_seconds_count\{era="legacy"\} 1/);
    expect(text).toContain('mcp_station_sessions{status="running"} 1');
    expect(Number(/mcp_station_server_bytes_sent_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(100);
    expect(Number(/mcp_station_server_bytes_received_total (\d+)/.exec(text)?.[1])).toBeGreaterThan(100);
    expect(text).toContain("mcp_station_mcp_requests_in_flight 0");
  });

  test("outcomes are named for what happened", () => {
    expect(outcomeOf(undefined)).toBe("ok");
    expect(outcomeOf(new RemoteError(-32601, "nope"))).toBe("error");
    expect(outcomeOf(new RequestTimeout("late"))).toBe("timeout");
    expect(outcomeOf(new Error("?"))).toBe("failed");
  });
});

describe("the request log", () => {
  test("one JSON line per request: request id, route, status, duration, and for MCP the session, method and outcome", async () => {
    const lines = s.logs.filter((l) => l.msg === "request");
    const listed = lines.find((l) => l.request_id === "req-from-caller-1");
    expect(listed).toMatchObject({
      level: "info",
      method: "POST",
      route: "/mcp/request",
      status: 200,
      session_id: sessionId,
      mcp_method: "tools/list",
      outcome: "ok",
    });
    expect(typeof listed!.duration_ms).toBe("number");
    // The path form is logged as /mcp/request is, its session taken from the path.
    expect(lines.find((l) => l.request_id === "req-path-form")).toMatchObject({
      route: "/sessions/:session_id/request",
      session_id: sessionId,
      mcp_method: "resources/list",
    });
    expect(lines.find((l) => l.mcp_method === "no/such-method")).toMatchObject({ status: 200, outcome: "error" });
    expect(lines.find((l) => l.mcp_method === "tools/call")).toMatchObject({ status: 504, outcome: "refused", error: "request_timeout" });
    expect(lines.find((l) => l.route === "/sessions/:session_id")).toMatchObject({
      status: 404,
      session_id: "00000000-0000-0000-0000-000000000000",
    });
    const ids = lines.map((l) => l.request_id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test("the request id comes back in x-request-id, the caller's own when it sent a sane one", async () => {
    const mine = await s.call("GET", "/healthz", undefined, { "x-request-id": "abc-123" });
    expect(mine.headers.get("x-request-id")).toBe("abc-123");
    const made = await s.call("GET", "/healthz", undefined, { "x-request-id": "bad id with spaces" });
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f]{8}-[0-9a-z]+$/);
  });

  test("the server's stderr stays in its own buffer, not in the station's log", async () => {
    const noisy = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs") })).body;
    await s.call("POST", "/mcp/request", { session_id: noisy.session_id, method: "tools/call", params: { name: "crash", arguments: {} } });
    expect(JSON.stringify(s.logs)).not.toContain("about to crash");
    const logs = (await s.call("GET", `/sessions/${noisy.session_id}/logs`)).body.lines.map((l: any) => l.text);
    expect(logs).toContain("about to crash");
  });
});
