/**
 * What the hot-path work (bench/) must not change on POST /mcp/request:
 * timeout_ms takes the same values as before, answers are documented in
 * OpenAPI though no longer checked one by one, and writes batched within one
 * event-loop turn still reach the server whole and in order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
let sessionId: string;
let bigId: string;

beforeAll(async () => {
  station = await startStation();
  sessionId = (await station.create({ server_command: fixture("echo.mjs") })).body.session_id;
  bigId = (await station.create({ server_command: fixture("big.mjs") })).body.session_id;
});
afterAll(() => station.stop());

describe("timeout_ms", () => {
  test.each([[300], ["300"]])("%p is a deadline in milliseconds", async (timeout) => {
    const res = await station.mcp(sessionId, "tools/call", { name: "slow", arguments: { ms: 30_000 } }, { timeout_ms: timeout });
    expect(res.status).toBe(504);
    expect(res.body.error.data.type).toBe("request_timeout");
  });

  test.each([[0], [-5], [1.5], ["abc"], ["1.5"], [""], [null]])("%p is refused with 422", async (timeout) => {
    const res = await station.mcp(sessionId, "tools/list", {}, { timeout_ms: timeout });
    expect(res.status).toBe(422);
    expect(res.body.success).toBe(false);
  });
});

test("the OpenAPI document still describes every answer of /mcp/request", async () => {
  const doc = (await station.call("GET", "/openapi/json")).body;
  const responses = doc.paths["/mcp/request"].post.responses;
  for (const status of ["200", "202", "404", "422", "502", "504"])
    expect(responses[status]?.content?.["application/json"]?.schema).toBeDefined();
  expect(responses["200"].content["application/json"].schema.anyOf).toHaveLength(2);
});

test("a burst of requests written in one turn reaches the server whole, each answered as itself", async () => {
  // Large and small params mixed, so that batched writes cross the pipe's buffer size.
  const answers = await Promise.all(
    Array.from({ length: 300 }, (_, i) => {
      const text = i % 10 === 0 ? `big-${i}-${"x".repeat(100_000)}` : `small-${i}`;
      return station.mcp(sessionId, "tools/call", { name: "echo", arguments: { text } }).then((res) => ({ res, text }));
    }),
  );
  for (const { res, text } of answers) {
    expect(res.status).toBe(200);
    expect(res.body.data.content[0].text).toBe(text);
  }
});

describe("large results, passed through as the server wrote them", () => {
  test.each([[100_000], [3 * 1024 * 1024 + 1]])("a %p byte text arrives whole, with the station's headers", async (bytes) => {
    const res = await fetch(`${station.url}/mcp/request`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "raw-test-1" },
      body: JSON.stringify({ session_id: bigId, method: "tools/call", params: { name: "big", arguments: { bytes } } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(res.headers.get("x-request-id")).toBe("raw-test-1");
    const body = (await res.json()) as any;
    expect(body.success).toBe(true);
    const text: string = body.data.content[0].text;
    expect(Buffer.byteLength(text)).toBe(bytes);
    expect(text.startsWith("한a한a")).toBe(true);
  });

  test("a caller that did not ask for raw results (every one but /mcp/request) gets a parsed value", async () => {
    const session = station.manager.get(bigId);
    const result = (await session.request("tools/call", { name: "big", arguments: { bytes: 200_000 } })) as any;
    expect(Buffer.byteLength(result.content[0].text)).toBe(200_000);
  });
});
