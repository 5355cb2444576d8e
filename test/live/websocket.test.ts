/**
 * /sessions/{id}/ws driven by a plain WebSocket client: JSON-RPC both ways,
 * ids kept per caller, progress as it happens, notifications, a legacy
 * server's sampling forwarded to the caller that declared it, cancellation
 * by notification and by closing the socket.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { openSocket } from "./support.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

async function session(file: string, extra: Record<string, unknown> = {}): Promise<string> {
  const created = await station.create({ server_type: "node", server_command: fixture(file), ...extra });
  expect(created.status).toBe(200);
  return created.body.session_id;
}

const wsUrl = (id: string) => `${station.url.replace("http", "ws")}/sessions/${id}/ws`;
const initialize = (capabilities: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id: "init",
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities, clientInfo: { name: "ws-test", version: "1" } },
});
const call = (id: unknown, name: string, args: Record<string, unknown> = {}, meta?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

async function stderrOf(id: string): Promise<string> {
  const logs = await station.call("GET", `/sessions/${id}/logs`);
  return logs.body.lines.map((line: { text: string }) => line.text).join("\n");
}

describe("WebSocket channel", () => {
  test("initialize is answered from the session's handshake, and requests come back under the caller's own ids", async () => {
    const id = await session("echo.mjs");
    const socket = await openSocket(wsUrl(id));
    socket.send(initialize());
    const init = await socket.next((m) => m.id === "init");
    expect(init.result.serverInfo).toEqual({ name: "echo", version: "1.0.0" });
    socket.send(call("mine-1", "echo", { text: "over the socket" }));
    const answer = await socket.next((m) => m.id === "mine-1");
    expect(answer.result).toEqual({ content: [{ type: "text", text: "over the socket" }] });
    socket.ws.close();
  });

  test("two callers using the same id on one session each get their own answer", async () => {
    const id = await session("echo.mjs");
    const [a, b] = await Promise.all([openSocket(wsUrl(id)), openSocket(wsUrl(id))]);
    a.send(call(1, "slow", { ms: 150 }));
    b.send(call(1, "echo", { text: "from b" }));
    const [fromA, fromB] = await Promise.all([a.next((m) => m.id === 1), b.next((m) => m.id === 1)]);
    expect(fromA.result.content[0].text).toBe("slept 150");
    expect(fromB.result.content[0].text).toBe("from b");
    a.ws.close();
    b.ws.close();
  });

  test("a long tool's progress reaches its caller while the tool still runs, and only that caller", async () => {
    const id = await session("echo.mjs");
    const [caller, other] = await Promise.all([openSocket(wsUrl(id)), openSocket(wsUrl(id))]);
    caller.send(call(9, "progress", { steps: 3, intervalMs: 300 }, { progressToken: "my-token" }));
    const first = await caller.next((m) => m.method === "notifications/progress");
    expect(first.params).toEqual({ progressToken: "my-token", progress: 1, total: 3, message: "step 1/3" });
    // The answer had not come when the first progress arrived: it is live, not replayed at the end.
    expect(caller.messages.findIndex((m) => m.id === 9)).toBe(-1);
    const done = await caller.next((m) => m.id === 9);
    expect(done.result.content[0].text).toBe("done 3");
    expect(caller.messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress)).toEqual([1, 2, 3]);
    // The other caller sent a request after; by its answer, it has seen no one else's progress.
    other.send(call("o", "echo", { text: "x" }));
    await other.next((m) => m.id === "o");
    expect(other.messages.some((m) => m.method === "notifications/progress")).toBe(false);
    caller.ws.close();
    other.ws.close();
  });

  test("the session's notifications reach every attached caller", async () => {
    const id = await session("echo.mjs");
    const [a, b] = await Promise.all([openSocket(wsUrl(id)), openSocket(wsUrl(id))]);
    a.send(call(1, "log", { text: "for everyone" }));
    const seen = await b.next((m) => m.method === "notifications/message");
    expect(seen.params).toEqual({ level: "info", logger: "echo", data: "for everyone" });
    a.ws.close();
    b.ws.close();
  });

  test("a legacy server's sampling request goes to the caller that declared sampling, and its answer back to the server", async () => {
    const id = await session("client-requests.mjs", { client_capabilities: { sampling: {} } });
    const socket = await openSocket(wsUrl(id));
    socket.send(initialize({ sampling: {} }));
    await socket.next((m) => m.id === "init");
    socket.send(call("s", "ask_sampling", { prompt: "Say hi" }));
    const asked = await socket.next((m) => m.method === "sampling/createMessage");
    expect(asked.params.messages[0].content.text).toBe("Say hi");
    socket.send({ jsonrpc: "2.0", id: asked.id, result: { role: "assistant", content: { type: "text", text: "hi!" }, model: "m" } });
    const answer = await socket.next((m) => m.id === "s");
    expect(JSON.parse(answer.result.content[0].text)).toEqual({ role: "assistant", content: { type: "text", text: "hi!" }, model: "m" });
    socket.ws.close();
  });

  test("with no caller that declared sampling, the server's request gets an immediate error (no hang)", async () => {
    const id = await session("client-requests.mjs", { client_capabilities: { sampling: {} } });
    const socket = await openSocket(wsUrl(id));
    socket.send(call("s", "ask_sampling", { timeoutMs: 30_000 }));
    const answer = await socket.next((m) => m.id === "s");
    expect(answer.result.isError).toBe(true);
    expect(answer.result.content[0].text).toContain("no client that handles it is attached");
    socket.ws.close();
  });

  describe("a 2026-07-28 server", () => {
    test("its input_required elicitation goes to the caller that declared elicitation, and the call is retried with the answer", async () => {
      const id = await session("modern.mjs");
      const socket = await openSocket(wsUrl(id));
      socket.send(initialize({ elicitation: {} }));
      await socket.next((m) => m.id === "init");
      socket.send(call("c", "confirm", { message: "Deploy?" }));
      const asked = await socket.next((m) => m.method === "elicitation/create");
      expect(asked.params).toMatchObject({ mode: "form", message: "Deploy?" });
      socket.send({ jsonrpc: "2.0", id: asked.id, result: { action: "accept", content: { ok: true } } });
      const answer = await socket.next((m) => m.id === "c");
      expect(answer.result.content).toEqual([{ type: "text", text: "confirmed: true" }]);
      socket.ws.close();
    });

    test("a caller that declared no elicitation gets the server's own refusal, -32021", async () => {
      const id = await session("modern.mjs");
      const socket = await openSocket(wsUrl(id));
      socket.send(initialize());
      await socket.next((m) => m.id === "init");
      socket.send(call("c", "confirm"));
      const answer = await socket.next((m) => m.id === "c");
      expect(answer.error.code).toBe(-32021);
      socket.ws.close();
    });

    test("a caller that brings its own 2026 envelope gets input_required as it is", async () => {
      const id = await session("modern.mjs");
      const socket = await openSocket(wsUrl(id));
      const envelope = {
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientInfo": { name: "modern-ws", version: "1" },
        "io.modelcontextprotocol/clientCapabilities": { elicitation: {} },
      };
      socket.send(call("c", "confirm", {}, envelope));
      const answer = await socket.next((m) => m.id === "c");
      expect(answer.result.resultType).toBe("input_required");
      expect(Object.values(answer.result.inputRequests as Record<string, { method: string }>)[0].method).toBe("elicitation/create");
      socket.ws.close();
    });
  });

  test("notifications/cancelled withdraws a request: the server is told, the caller gets no answer", async () => {
    const id = await session("echo.mjs");
    const socket = await openSocket(wsUrl(id));
    socket.send(call("long", "slow", { ms: 60_000 }));
    await eventually(async () => (await station.call("GET", `/sessions/${id}`)).body.in_flight === 1);
    socket.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "long", reason: "changed my mind" } });
    await eventually(async () => (await stderrOf(id)).includes("cancelled"));
    socket.send(call("after", "echo", { text: "still here" }));
    await socket.next((m) => m.id === "after");
    expect(socket.messages.some((m) => m.id === "long")).toBe(false);
    socket.ws.close();
  });

  test("closing the socket cancels its outstanding requests", async () => {
    const id = await session("echo.mjs");
    const socket = await openSocket(wsUrl(id));
    socket.send(call(1, "slow", { ms: 60_000 }));
    socket.send(call(2, "slow", { ms: 60_000 }));
    await eventually(async () => (await station.call("GET", `/sessions/${id}`)).body.in_flight === 2);
    socket.ws.close();
    await eventually(async () => (await station.call("GET", `/sessions/${id}`)).body.in_flight === 0);
    await eventually(async () => ((await stderrOf(id)).match(/cancelled/g) ?? []).length === 2);
  });

  test("an unknown session is refused before the upgrade; a session whose server exits closes its sockets", async () => {
    const refused = await fetch(`${station.url}/sessions/no-such-session/ws`, {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(refused.status).toBe(404);
    const id = await session("crash.mjs");
    const socket = await openSocket(wsUrl(id));
    socket.send(call(1, "crash"));
    const closed = await socket.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toContain("exited");
  });

  test("a session that fails closes its sockets as well, and a socket opened on it afterwards closes at once", async () => {
    const id = await session("crash.mjs", { restart_policy: "on-failure", max_restarts: 0 });
    const socket = await openSocket(wsUrl(id));
    socket.send(call(1, "crash"));
    const closed = await socket.closed;
    expect(closed.code).toBe(1011);
    expect(closed.reason).toContain("failed");
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("failed");
    const late = await openSocket(wsUrl(id));
    expect((await late.closed).code).toBe(1011);
  });
});
