/**
 * A traced station end to end, run as users run it (a process, configured by
 * OTEL_* only) and exporting to an OTLP/HTTP receiver on loopback: the span
 * tree, names, attributes and parent links of a tools/call, a failed call and
 * a timed-out call with its cancel; the session's start and handshake; the
 * trace continuing into a server on the official SDK (it reports the
 * traceparent it received); trace ids on the log lines.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type ReceivedSpan, SPAN_KIND, STATUS_CODE, type OtlpReceiver, startOtlpReceiver } from "../support/otlp-receiver.ts";
import { type StationProcess, json, spawnStation } from "../support/station-process.ts";
import { eventually } from "../support/processes.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = (span: string) => ({ traceparent: `00-${TRACE}-${span}-01` });

let receiver: OtlpReceiver;
let station: StationProcess;
beforeAll(async () => {
  receiver = startOtlpReceiver();
  station = await spawnStation(undefined, {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: "20",
    MCP_STATION_RESTART_BACKOFF_MS: "50",
  });
});
afterAll(async () => {
  await station?.stop();
  receiver?.stop();
});

/** The spans of the caller's trace whose caller span is `callerSpan`, once `names` have all arrived. */
async function trace(callerSpan: string, names: string[]): Promise<Map<string, ReceivedSpan>> {
  const inTree = (spans: ReceivedSpan[]) => {
    const root = spans.find((s) => s.traceId === TRACE && s.parentSpanId === callerSpan);
    if (!root) return [];
    const tree = [root];
    for (let grew = true; grew; ) {
      grew = false;
      for (const span of spans)
        if (!tree.includes(span) && tree.some((t) => t.spanId === span.parentSpanId)) {
          tree.push(span);
          grew = true;
        }
    }
    return tree;
  };
  const found = await receiver.waitForSpans((spans) => names.every((name) => inTree(spans).some((s) => s.name === name)));
  return new Map(inTree(found).map((span) => [span.name, span]));
}

async function create(command: string, callerSpan: string): Promise<string> {
  const created = await json(`${station.url}/sessions`, {
    method: "POST",
    headers: traceparent(callerSpan),
    json: { server_type: "node", server_command: fixture(command) },
  });
  expect(created.status).toBe(200);
  return created.body.session_id;
}

const call = (sessionId: string, callerSpan: string, params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  json(`${station.url}/mcp/request`, {
    method: "POST",
    headers: traceparent(callerSpan),
    json: { session_id: sessionId, method: "tools/call", params, ...extra },
  });

describe("a traced station", () => {
  let traced: string;
  let echo: string;
  beforeAll(async () => {
    traced = await create("trace-context-server.mjs", "00000000000000a1");
    echo = await create("echo.mjs", "00000000000000a2");
  });

  test("a session's start: POST /sessions > session start > handshake, each with the session id", async () => {
    const spans = await trace("00000000000000a1", ["POST /sessions", "session start", "handshake"]);
    const http = spans.get("POST /sessions")!;
    const start = spans.get("session start")!;
    const handshake = spans.get("handshake")!;
    expect(http.kind).toBe(SPAN_KIND.server);
    expect(http.attributes).toMatchObject({ "http.request.method": "POST", "http.route": "/sessions", "http.response.status_code": 200 });
    expect(start.parentSpanId).toBe(http.spanId);
    expect(start.attributes["mcp.session.id"]).toBe(traced);
    expect(handshake.parentSpanId).toBe(start.spanId);
    expect(handshake.attributes).toMatchObject({
      "mcp.session.id": traced,
      "mcp_station.era": "legacy",
      "mcp.protocol.version": "2025-11-25",
    });
    expect(http.resource["service.name"]).toBe("mcp-station");
  });

  test("a tools/call: the caller's trace through the station into the server, which receives the round trip's traceparent", async () => {
    const answer = await call(traced, "00000000000000b1", { name: "trace_context", arguments: {} });
    expect(answer.body.success).toBe(true);
    const spans = await trace("00000000000000b1", ["POST /mcp/request", "tools/call trace_context"]);
    const http = spans.get("POST /mcp/request")!;
    const trip = spans.get("tools/call trace_context")!;
    expect(http.kind).toBe(SPAN_KIND.server);
    expect(http.attributes).toMatchObject({ "http.route": "/mcp/request", "http.response.status_code": 200 });
    expect(trip.kind).toBe(SPAN_KIND.client);
    expect(trip.parentSpanId).toBe(http.spanId);
    expect(trip.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "trace_context",
      "gen_ai.operation.name": "execute_tool",
      "mcp.session.id": traced,
      "network.transport": "pipe",
      "jsonrpc.request.id": expect.any(String),
    });
    expect(trip.status.code).toBe(STATUS_CODE.unset);
    // The server on the official SDK saw the station's round trip as its parent, in the caller's trace.
    expect(answer.body.data.structuredContent.traceparent).toBe(`00-${TRACE}-${trip.spanId}-01`);
    // The server's time is the round trip; the station's own is what the HTTP span adds around it.
    expect(trip.startNs).toBeGreaterThanOrEqual(http.startNs);
    expect(trip.endNs).toBeLessThanOrEqual(http.endNs);
  });

  test("a failed call: the server's JSON-RPC error is the round trip's error.type; the HTTP answer is 200", async () => {
    const answer = await call(echo, "00000000000000c1", { name: "no-such-tool", arguments: {} });
    expect(answer.body.success).toBe(false);
    const spans = await trace("00000000000000c1", ["POST /mcp/request", "tools/call no-such-tool"]);
    const trip = spans.get("tools/call no-such-tool")!;
    expect(trip.attributes).toMatchObject({ "error.type": "-32602", "rpc.response.status_code": "-32602" });
    expect(trip.status).toEqual({ code: STATUS_CODE.error, message: "-32602" });
    expect(spans.get("POST /mcp/request")!.status.code).toBe(STATUS_CODE.unset);
  });

  test("a timed-out call: request_timeout, a notifications/cancelled child, and the server got that cancel", async () => {
    const answer = await call(echo, "00000000000000d1", { name: "slow", arguments: { ms: 10_000 } }, { timeout_ms: 300 });
    expect(answer.status).toBe(504);
    const spans = await trace("00000000000000d1", ["POST /mcp/request", "tools/call slow", "notifications/cancelled"]);
    const http = spans.get("POST /mcp/request")!;
    const trip = spans.get("tools/call slow")!;
    const cancel = spans.get("notifications/cancelled")!;
    expect(trip.parentSpanId).toBe(http.spanId);
    expect(trip.attributes["error.type"]).toBe("request_timeout");
    expect(cancel.parentSpanId).toBe(trip.spanId);
    expect(cancel.attributes).toMatchObject({ "mcp.method.name": "notifications/cancelled", "mcp_station.cancel.reason": "timeout" });
    expect(http.attributes["http.response.status_code"]).toBe(504);
    expect(http.attributes["error.type"]).toBe("request_timeout");
    const id = trip.attributes["jsonrpc.request.id"];
    const logged = await eventually(async () => {
      const logs = await json(`${station.url}/sessions/${echo}/logs`);
      return logs.body.lines.some((line: { text: string }) => line.text === `cancelled ${id}`);
    });
    expect(logged).toBe(true);
  });

  test("the request's log line carries its trace and span ids", async () => {
    await call(echo, "00000000000000e1", { name: "echo", arguments: { text: "hi" } });
    const spans = await trace("00000000000000e1", ["POST /mcp/request"]);
    const http = spans.get("POST /mcp/request")!;
    const line = await eventually(() =>
      station.logs.find((record) => record.msg === "request" && record.trace_id === TRACE && record.span_id === http.spanId),
    );
    expect(line).toMatchObject({ route: "/mcp/request", status: 200 });
  });

  test("no span carries an argument's value", async () => {
    await call(echo, "00000000000000f1", { name: "echo", arguments: { text: "s3cret-value" } });
    await trace("00000000000000f1", ["tools/call echo"]);
    for (const span of receiver.spans)
      for (const value of Object.values(span.attributes)) expect(String(value)).not.toContain("s3cret-value");
  });

  test("the WebSocket: each message a SERVER span under the upgrade's traceparent, its round trip beneath, into the server", async () => {
    const ws = new WebSocket(`${station.url.replace("http", "ws")}/sessions/${traced}/ws`, {
      headers: traceparent("0000000000000a01"),
    } as never);
    const answers = new Map<number, any>();
    const waiting = new Map<number, (message: any) => void>();
    ws.onmessage = (event) => {
      const message = JSON.parse(String(event.data));
      if (typeof message.id !== "number") return;
      answers.set(message.id, message);
      waiting.get(message.id)?.(message);
    };
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    const ask = (id: number, params: Record<string, unknown>) =>
      new Promise<any>((resolve) => {
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params }));
      });
    const plain = await ask(1, { name: "trace_context", arguments: {} });
    // A message that carries its own trace context in params._meta is that caller's, whatever the upgrade said.
    const own = await ask(2, { name: "trace_context", arguments: {}, _meta: traceparent("0000000000000a02") });
    ws.close();
    for (const [callerSpan, answer] of [
      ["0000000000000a01", plain],
      ["0000000000000a02", own],
    ] as const) {
      const isMessage = (span: ReceivedSpan) =>
        span.parentSpanId === callerSpan && span.kind === SPAN_KIND.server && span.name === "tools/call trace_context";
      const message = (await receiver.waitForSpans((all) => all.some(isMessage))).find(isMessage)!;
      expect(message.attributes).toMatchObject({
        "network.protocol.name": "websocket",
        "mcp.method.name": "tools/call",
        "mcp.session.id": traced,
      });
      const trip = await receiver
        .waitForSpans((all) => all.some((span) => span.parentSpanId === message.spanId))
        .then((all) => all.find((span) => span.parentSpanId === message.spanId)!);
      expect(trip.kind).toBe(SPAN_KIND.client);
      expect(answer.result.structuredContent.traceparent).toBe(`00-${TRACE}-${trip.spanId}-01`);
    }
  });

  test("an MCP endpoint: the POST's span continues the caller's traceparent and holds the round trip into the server", async () => {
    const url = `${station.url}/sessions/${traced}/mcp`;
    const post = (body: unknown, headers: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(body),
      });
    const init = await post(
      {
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
      },
      { accept: "application/json" },
    );
    const mcpSession = init.headers.get("mcp-session-id")!;
    const res = await post(
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "trace_context", arguments: {} } },
      {
        accept: "application/json",
        "mcp-session-id": mcpSession,
        "mcp-protocol-version": "2025-11-25",
        ...traceparent("0000000000000b01"),
      },
    );
    const answer = (await res.json()) as any;
    const spans = await receiver.waitForSpans((all) => {
      const http = all.find((span) => span.parentSpanId === "0000000000000b01");
      return http !== undefined && all.some((span) => span.parentSpanId === http.spanId);
    });
    const http = spans.find((span) => span.parentSpanId === "0000000000000b01")!;
    const trip = spans.find((span) => span.parentSpanId === http.spanId)!;
    expect(http.name).toBe("POST /sessions/:session_id/mcp");
    expect(trip.name).toBe("tools/call trace_context");
    expect(answer.result.structuredContent.traceparent).toBe(`00-${TRACE}-${trip.spanId}-01`);
  });

  test("a restart: a trace of its own, session restart > session start > handshake, with the reason and the attempt", async () => {
    const created = await json(`${station.url}/sessions`, {
      method: "POST",
      json: { server_type: "node", server_command: fixture("crash.mjs"), restart_policy: "on-failure" },
    });
    const id = created.body.session_id;
    await call(id, "0000000000000c01", { name: "crash", arguments: {} });
    const isRestart = (span: ReceivedSpan) => span.name === "session restart" && span.attributes["mcp.session.id"] === id;
    const spans = await receiver.waitForSpans((all) => {
      const restart = all.find(isRestart);
      const start = restart && all.find((span) => span.parentSpanId === restart.spanId);
      return start !== undefined && all.some((span) => span.parentSpanId === start.spanId && span.name === "handshake");
    });
    const restart = spans.find(isRestart)!;
    expect(restart.parentSpanId).toBe("");
    expect(restart.traceId).not.toBe(TRACE);
    expect(restart.attributes).toMatchObject({ "mcp_station.restart.reason": "exited", "mcp_station.restart.attempt": 1 });
    expect(spans.find((span) => span.parentSpanId === restart.spanId)!.name).toBe("session start");
    // The call the server died on ended with it.
    const crashed = await trace("0000000000000c01", ["tools/call crash"]);
    expect(crashed.get("tools/call crash")!.attributes["error.type"]).toBe("server_exited");
  });
});
