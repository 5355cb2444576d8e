/**
 * A body over MCP_STATION_MAX_BODY_BYTES, sent in chunks so it reaches the app (one with a larger
 * Content-Length never does: Bun refuses it first). Pins what Bun and Elysia throw for it, which is what
 * isBodyOverLimit recognises: if a Bun upgrade throws something else, the first test fails here.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Elysia, t } from "elysia";
import { asStationError, isBodyOverLimit } from "../../src/plugins/errors.ts";
import { type LoggedStation, startLoggedStation } from "../security/support.ts";
import { eventually } from "../support/processes.ts";

const LIMIT = 4096;
const oversized = () => JSON.stringify({ a: "x".repeat(LIMIT * 3) });
const chunked = (text: string) =>
  new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
const postChunked = (url: string, extra: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", ...extra },
    body: chunked(oversized()),
    duplex: "half",
  } as RequestInit);

test("what Bun and Elysia throw for an oversized body is recognised, on a parsed route and on a raw one", async () => {
  const seen: { code: unknown; error: unknown }[] = [];
  const app = new Elysia({ serve: { maxRequestBodySize: LIMIT } })
    .onError(({ code, error }) => {
      seen.push({ code, error });
      return new Response(null, { status: 599 });
    })
    .post("/parsed", ({ body }) => body, { body: t.Object({ a: t.String() }) })
    .post("/raw", async ({ request }) => (await request.text()).length, { parse: "none" });
  app.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const base = `http://127.0.0.1:${app.server!.port}`;
    // Bun answers 413 itself, whatever the app returned.
    expect((await postChunked(`${base}/parsed`)).status).toBe(413);
    expect((await postChunked(`${base}/raw`)).status).toBe(413);
  } finally {
    await app.stop(true);
  }
  expect(seen.map(({ code }) => code)).toEqual(["PARSE", "UNKNOWN"]);
  for (const { code, error } of seen) {
    expect(isBodyOverLimit(error)).toBe(true);
    expect((asStationError(code, error, new Request("http://station/")) as { status: number }).status).toBe(413);
  }
});

test("other failures are not taken for an oversized body", () => {
  expect(isBodyOverLimit(new SyntaxError("JSON Parse error"))).toBe(false);
  expect(isBodyOverLimit(new Error("the request is too large"))).toBe(false);
  class Other extends Error {}
  expect(isBodyOverLimit(new Other("Request body exceeded maxRequestBodySize"))).toBe(false);
  expect(isBodyOverLimit(undefined)).toBe(false);
  expect(isBodyOverLimit(Object.assign(new Error("x"), { status: 413 }))).toBe(true);
});

let station: LoggedStation;
let sessionId: string;
beforeAll(async () => {
  station = await startLoggedStation({ MCP_STATION_MAX_BODY_BYTES: String(LIMIT) });
  const created = await station.call("POST", "/sessions", {
    server_type: "node",
    server_command: `${import.meta.dir}/../fixtures/echo.mjs`,
  });
  expect(created.status).toBe(200);
  sessionId = created.body.session_id;
});
afterAll(() => station.stop());

test("a station: the caller gets 413 on REST and on the MCP endpoint, the request log says 413, nothing is logged as unhandled", async () => {
  for (const path of ["/mcp/request", `/sessions/${sessionId}/mcp`, "/sessions"]) {
    expect((await postChunked(`${station.url}${path}`)).status).toBe(413);
  }
  // Bun answers before the app has finished with the request: its log line may come just after.
  const refused = () => station.logs.filter((line) => line.msg === "request" && line.method === "POST" && line.status !== 200);
  await eventually(() => refused().length === 3);
  expect(refused().map((line) => [line.route, line.status])).toEqual([
    ["/mcp/request", 413],
    ["/sessions/:session_id/mcp", 413],
    ["/sessions", 413],
  ]);
  expect(station.logs.filter((line) => line.level === "error")).toEqual([]);
});
