/** The session set's own rules: the session cap, forgetting exited sessions, stopping idle ones. */
import { afterEach, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

describe("limits and clean-up", () => {
  test("past the maximum number of sessions, create answers 503 and starts nothing", async () => {
    station = await startStation({ MCP_STATION_MAX_SESSIONS: "2" });
    for (let i = 0; i < 2; i++) expect((await station.create({ server_command: fixture("echo.mjs") })).status).toBe(200);
    const res = await station.create({ server_command: fixture("echo.mjs") });
    expect(res.status).toBe(503);
    expect(res.body.error.data).toMatchObject({ type: "capacity_exceeded", max_sessions: 2 });
    expect(station.manager.list()).toHaveLength(2);
  });

  test("concurrent creates cannot overshoot the cap", async () => {
    station = await startStation({ MCP_STATION_MAX_SESSIONS: "3" });
    const results = await Promise.all(Array.from({ length: 8 }, () => station!.create({ server_command: fixture("echo.mjs") })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    expect(results.filter((r) => r.status === 503)).toHaveLength(5);
  });

  test("an exited session leaves the list after its time", async () => {
    station = await startStation({ MCP_STATION_EXITED_TTL_MS: "300" });
    const { body } = await station.create({ server_command: fixture("crash.mjs") });
    await station.mcp(body.session_id, "tools/call", { name: "crash", arguments: {} });
    expect((await station.call("GET", `/sessions/${body.session_id}`)).body.status).toBe("exited");
    expect(await eventually(async () => (await station!.call("GET", `/sessions/${body.session_id}`)).status === 404)).toBe(true);
  });

  test("an idle session is stopped when idle stopping is on", async () => {
    station = await startStation({ MCP_STATION_IDLE_TIMEOUT_MS: "300" });
    const { body } = await station.create({ server_command: fixture("echo.mjs") });
    expect(await waitGone(body.pid)).toBe(true);
    // The process can be gone a moment before its exit is recorded: wait for the record.
    const info = await eventually(async () => {
      const current = (await station!.call("GET", `/sessions/${body.session_id}`)).body;
      return current.status === "exited" ? current : undefined;
    });
    expect(info).toMatchObject({ status: "exited", crashed: false });
  });
});
