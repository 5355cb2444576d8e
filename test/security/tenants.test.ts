/**
 * Whose session: a session belongs to the tenant that created it, another
 * tenant gets 404 on every route, an admin key sees and manages all; limits
 * per tenant and per session answer 429 (with Retry-After where waiting helps);
 * every session created, deleted or refused is an audit line.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { ADMIN_KEY, KEY_A, KEY_B, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

let station: LoggedStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

describe("ownership", () => {
  test("another tenant gets 404 for a session on every route, in the same body as a session that never existed", async () => {
    station = await startLoggedStation(KEYS_ENV);
    const s = station;
    const created = await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A));
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    const routes: [string, string, unknown?][] = [
      ["GET", `/sessions/${id}`],
      ["GET", `/sessions/${id}/logs`],
      ["GET", `/sessions/${id}/events`],
      ["PUT", `/sessions/${id}/roots`, { roots: [] }],
      ["POST", "/mcp/request", { session_id: id, method: "tools/list", params: {} }],
      ["POST", "/mcp/request", { session_id: id, method: "notifications/roots/list_changed" }],
      ["DELETE", `/sessions/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const asB = await s.call(method, path, body, s.as(KEY_B));
      expect({ method, path, status: asB.status }).toEqual({ method, path, status: 404 });
      const ghost = await s.call(
        method,
        path.replace(id, crypto.randomUUID()),
        JSON.parse(JSON.stringify(body ?? null)?.replace(id, crypto.randomUUID()) ?? "null") ?? undefined,
        s.as(KEY_B),
      );
      expect(asB.body.error.data.type).toBe(ghost.body.error.data.type);
    }
    expect((await s.call("GET", "/sessions", undefined, s.as(KEY_B))).body.count).toBe(0);
    // B's attempts changed nothing: A's session still runs and answers.
    expect((await s.call("GET", `/sessions/${id}`, undefined, s.as(KEY_A))).body.status).toBe("running");
    const answer = await s.call("POST", "/mcp/request", { session_id: id, method: "tools/list", params: {} }, s.as(KEY_A));
    expect(answer.body.success).toBe(true);
  });

  test("an admin key sees every tenant's sessions and may delete them", async () => {
    station = await startLoggedStation(KEYS_ENV);
    const s = station;
    const a = await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A));
    const b = await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_B));
    const all = await s.call("GET", "/sessions", undefined, s.as(ADMIN_KEY));
    expect(all.body.sessions.map((x: any) => x.owner).sort()).toEqual(["a", "b"]);
    expect((await s.call("GET", "/sessions", undefined, s.as(KEY_A))).body.sessions.map((x: any) => x.session_id)).toEqual([
      a.body.session_id,
    ]);
    expect((await s.call("DELETE", `/sessions/${b.body.session_id}`, undefined, s.as(ADMIN_KEY))).status).toBe(200);
    const deleted = s.logs.find((l) => l.msg === "audit: session deleted");
    expect(deleted).toMatchObject({ session_id: b.body.session_id, tenant: "admin", owner: "b", via: "api_key" });
  });
});

describe("limits", () => {
  test("a tenant past its session limit gets 429; another tenant still gets its own", async () => {
    station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_MAX_SESSIONS_PER_TENANT: "2" });
    const s = station;
    for (let i = 0; i < 2; i++)
      expect((await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A))).status).toBe(200);
    const third = await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A));
    expect(third.status).toBe(429);
    expect(third.body.error.message).toContain("MCP_STATION_MAX_SESSIONS_PER_TENANT");
    expect((await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_B))).status).toBe(200);
    expect(s.manager.activeCount).toBe(3);
  });

  test("requests in flight past the per-session limit get 429 with Retry-After; the ones in flight still answer", async () => {
    station = await startLoggedStation({ MCP_STATION_MAX_IN_FLIGHT_PER_SESSION: "2" });
    const s = station;
    const id = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body.session_id;
    const slow = () =>
      s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "slow", arguments: { ms: 400 } } });
    const first = [slow(), slow()];
    await eventually(() => s.manager.get(id).inFlight === 2);
    const over = await slow();
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toBe("1");
    for (const reply of await Promise.all(first)) expect(reply.body.success).toBe(true);
  });

  test("a tenant over its request rate gets 429 with Retry-After; another tenant is not slowed", async () => {
    station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_RATE_LIMIT_PER_MINUTE: "60", MCP_STATION_RATE_LIMIT_BURST: "3" });
    const s = station;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await s.call("GET", "/sessions", undefined, s.as(KEY_A))).status);
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    const limited = await s.call("GET", "/sessions", undefined, s.as(KEY_A));
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await s.call("GET", "/sessions", undefined, s.as(KEY_B))).status).toBe(200);
    expect((await s.call("GET", "/healthz")).status).toBe(200);
  });

  test("the station-wide cap stays 503 (capacity), not 429", async () => {
    station = await startLoggedStation({ MCP_STATION_MAX_SESSIONS: "1" });
    expect((await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).status).toBe(200);
    expect((await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).status).toBe(503);
  });
});

describe("audit", () => {
  test("created and refused sessions are logged with who, what command and when", async () => {
    station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_MAX_SESSIONS_PER_TENANT: "1" });
    const s = station;
    await s.call("POST", "/sessions", { server_command: fixture("echo.mjs"), server_args: ["--x"] }, s.as(KEY_A));
    await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A));
    const created = s.logs.find((l) => l.msg === "audit: session created");
    expect(created).toMatchObject({ tenant: "a", via: "api_key", command: fixture("echo.mjs"), args: ["--x"] });
    expect(typeof created!.time).toBe("string");
    expect(created!.argv).toContain(fixture("echo.mjs"));
    const refused = s.logs.find((l) => l.msg === "audit: session refused");
    expect(refused).toMatchObject({ tenant: "a", command: fixture("echo.mjs") });
    expect(refused!.reason).toContain("MCP_STATION_MAX_SESSIONS_PER_TENANT");
  });
});
