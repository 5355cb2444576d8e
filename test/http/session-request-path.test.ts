/**
 * POST /sessions/{session_id}/request, the path form of /mcp/request a load
 * balancer can hash, and the Mcp-Station-Session header accepted on both:
 * the same answers as the seed's route, and a request that names two
 * different sessions refused instead of run on either.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
let sessionId: string;
let otherId: string;

beforeAll(async () => {
  station = await startStation();
  sessionId = (await station.create({ server_command: fixture("echo.mjs") })).body.session_id;
  otherId = (await station.create({ server_command: fixture("echo.mjs") })).body.session_id;
});
afterAll(() => station.stop());

const echo = (text: string) => ({ method: "tools/call", params: { name: "echo", arguments: { text } } });

describe("the path form answers as /mcp/request does", () => {
  test("a result, with or without a matching session_id in the body", async () => {
    const seed = await station.call("POST", "/mcp/request", { session_id: sessionId, ...echo("a") });
    const path = await station.call("POST", `/sessions/${sessionId}/request`, echo("a"));
    const withId = await station.call("POST", `/sessions/${sessionId}/request`, { session_id: sessionId, ...echo("a") });
    for (const res of [path, withId]) {
      expect(res.status).toBe(seed.status);
      expect(res.body).toEqual(seed.body);
    }
    expect(path.body.data.content[0].text).toBe("a");
  });

  test("the server's JSON-RPC error: 200 with success false, as on /mcp/request", async () => {
    const seed = await station.call("POST", "/mcp/request", { session_id: sessionId, method: "no/such-method" });
    const path = await station.call("POST", `/sessions/${sessionId}/request`, { method: "no/such-method" });
    expect(seed.status).toBe(200);
    expect(path.status).toBe(200);
    expect(path.body).toEqual(seed.body);
    expect(path.body.success).toBe(false);
  });

  test("a notification: 202", async () => {
    const res = await station.call("POST", `/sessions/${sessionId}/request`, { method: "notifications/roots/list_changed" });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ success: true, data: null });
  });

  test("an unknown session: 404 with the same body as /mcp/request", async () => {
    const seed = await station.call("POST", "/mcp/request", { session_id: "no-such-session", ...echo("x") });
    const path = await station.call("POST", "/sessions/no-such-session/request", echo("x"));
    expect(path.status).toBe(404);
    expect(path.body).toEqual(seed.body);
  });

  test("a body the schema refuses: the same status as on /mcp/request", async () => {
    const seed = await station.call("POST", "/mcp/request", { session_id: sessionId, method: "" });
    const path = await station.call("POST", `/sessions/${sessionId}/request`, { method: "" });
    expect(path.status).toBe(seed.status);
    expect(path.status).toBeGreaterThanOrEqual(400);
    expect(path.status).toBeLessThan(500);
    const unknownField = await station.call("POST", `/sessions/${sessionId}/request`, { ...echo("x"), session: sessionId });
    expect(unknownField.status).toBe(seed.status);
  });
});

describe("a request naming two sessions is refused, and reaches neither", () => {
  test("a body's session_id that differs from the path: 400", async () => {
    const res = await station.call("POST", `/sessions/${sessionId}/request`, { session_id: otherId, ...echo("x") });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(`names session ${otherId}, not ${sessionId}`);
  });

  test("an Mcp-Station-Session header that differs: 400 on both forms; a matching one is accepted", async () => {
    const header = { "Mcp-Station-Session": otherId };
    const seed = await station.call("POST", "/mcp/request", { session_id: sessionId, ...echo("x") }, header);
    const path = await station.call("POST", `/sessions/${sessionId}/request`, echo("x"), header);
    for (const res of [seed, path]) {
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain("the Mcp-Station-Session header names session");
    }
    const same = { "Mcp-Station-Session": sessionId };
    expect((await station.call("POST", "/mcp/request", { session_id: sessionId, ...echo("y") }, same)).body.data.content[0].text).toBe("y");
    expect((await station.call("POST", `/sessions/${sessionId}/request`, echo("z"), same)).body.data.content[0].text).toBe("z");
  });
});

test("the OpenAPI document describes the path form and the header", async () => {
  const doc = (await station.call("GET", "/openapi/json")).body;
  const op = doc.paths["/sessions/{session_id}/request"].post;
  expect(op.requestBody).toBeDefined();
  expect(op.responses["404"]).toBeDefined();
  const names = op.parameters.map((p: any) => `${p.in}:${p.name}`);
  expect(names).toContain("path:session_id");
  expect(names).toContain("header:Mcp-Station-Session");
  expect(doc.paths["/mcp/request"].post.parameters.map((p: any) => p.name)).toContain("Mcp-Station-Session");
});
