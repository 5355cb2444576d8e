/**
 * An unknown failure on the WebSocket or the MCP endpoints reaches the caller
 * masked (-32603 "internal error", nothing of it shown) and the log in full,
 * its causes included, as the REST error plugin logs its own. The station's
 * own errors and a server's answers are not logged as unhandled.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createStation } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { RequestTimeout } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { WsChannel } from "../../src/modules/live/ws-channel.ts";
import { LOCAL_CALLER } from "../../src/security/caller.ts";
import type { Session } from "../../src/sessions/session.ts";
import { fixture } from "../setup/paths.ts";
import { TEST_ENV } from "../support/station.ts";
import { initializeLegacy, modernCall, post } from "./mcp-http.ts";

const secretFailure = () =>
  new Error("password=hunter2 in a failed query", { cause: new Error("connection refused", { cause: "ECONNREFUSED" }) });
const CAUSES = [
  { name: "Error", message: "connection refused", stack: expect.any(String) },
  { name: "string", message: "ECONNREFUSED" },
];

function capturingLog() {
  const lines: Record<string, any>[] = [];
  return { lines, log: createLogger("info", (line) => lines.push(JSON.parse(line))) };
}

let station: ReturnType<typeof createStation>;
let url: string;
const { lines, log } = capturingLog();
beforeAll(() => {
  station = createStation(loadConfig(TEST_ENV), log);
  station.app.listen({ hostname: "127.0.0.1", port: 0 });
  url = `http://127.0.0.1:${station.app.server!.port}`;
});
afterAll(async () => {
  await station.manager.shutdown();
  await station.app.stop(true);
});

/** A session of echo.mjs whose every request fails with `failure`, as an unforeseen bug would. */
async function failingSession(failure: () => unknown): Promise<string> {
  const created = await fetch(`${url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ server_command: fixture("echo.mjs") }),
  });
  const id = ((await created.json()) as any).session_id as string;
  station.manager.get(id).request = () => Promise.reject(failure());
  return `${url}/sessions/${id}/mcp`;
}

test("MCP endpoints: an unknown failure is -32603 'internal error' to both eras, and logged with its causes", async () => {
  const endpoint = await failingSession(secretFailure);
  const sid = (await initializeLegacy(endpoint)).headers.get("mcp-session-id")!;
  const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "x" } } };
  const legacy = await post(endpoint, call, { "mcp-session-id": sid, accept: "application/json" });
  const modern = await modernCall(endpoint, 2, "echo", { text: "x" });
  for (const answer of [legacy, modern]) {
    const text = await answer.text();
    expect(JSON.parse(text).error).toEqual({ code: -32603, message: "internal error" });
    expect(text).not.toContain("hunter2");
  }
  const logged = lines.filter((line) => line.msg === "unhandled error");
  expect(logged).toHaveLength(2);
  for (const line of logged) {
    expect(line.err.message).toBe("password=hunter2 in a failed query");
    expect(line.causes).toEqual(CAUSES);
    expect(line.method).toBe("tools/call");
  }
});

test("MCP endpoints: the station's own errors are not logged as unhandled", async () => {
  lines.length = 0;
  const endpoint = await failingSession(() => new RequestTimeout("tools/call timed out"));
  const answer = await modernCall(endpoint, 1, "echo", { text: "x" });
  expect(((await answer.json()) as any).error.data.type).toBe("request_timeout");
  expect(lines.some((line) => line.msg === "unhandled error")).toBe(false);
});

test("WebSocket: an unknown failure is -32603 'internal error' to the caller, and logged with its causes", async () => {
  const { lines: wsLines, log: wsLog } = capturingLog();
  const sent: Record<string, any>[] = [];
  let answered: () => void = () => {};
  const answer = new Promise<void>((resolve) => (answered = resolve));
  const session = {
    id: "s1",
    status: "running",
    clients: { attach: () => () => {} },
    events: { subscribe: () => () => {} },
    request: () => Promise.reject(secretFailure()),
  } as unknown as Session;
  const send = (message: Record<string, any>) => {
    sent.push(message);
    answered();
  };
  const channel = new WsChannel(session, LOCAL_CALLER, send, () => {}, wsLog);
  channel.start();
  channel.receive(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "echo", arguments: {} } }));
  await answer;
  expect(sent).toEqual([{ jsonrpc: "2.0", id: 7, error: { code: -32603, message: "internal error" } }]);
  const logged = wsLines.find((line) => line.msg === "unhandled error");
  expect(logged?.err.message).toBe("password=hunter2 in a failed query");
  expect(logged?.causes).toEqual(CAUSES);
  expect(logged).toMatchObject({ session_id: "s1", method: "tools/call" });
});
