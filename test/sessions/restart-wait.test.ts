/**
 * Issue 14: restarts that callers do not notice. A request that arrives while
 * its session's server is restarting waits for the new process within its own
 * deadline; it fails with 503 and Retry-After only when the restart cannot
 * make it in time, and with 409 when no server is coming. Requests in flight
 * when the server died still fail at once (they may have had effects).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { RequestCancelled, SessionNotRunning } from "../../src/errors.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

const stations: TestStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
});

async function crashingSession(backoffMs: number, maxRestarts = 3) {
  const station = await startStation({
    MCP_STATION_RESTART_BACKOFF_MS: String(backoffMs),
    MCP_STATION_RESTART_BACKOFF_MAX_MS: String(backoffMs),
  });
  stations.push(station);
  const created = await station.create({ server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: maxRestarts });
  expect(created.status).toBe(200);
  const id: string = created.body.session_id;
  const crash = () => station.mcp(id, "tools/call", { name: "crash", arguments: {} });
  const echo = (text: string, extra: Record<string, unknown> = {}) =>
    station.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "echo", arguments: { text } }, ...extra });
  const info = async () => (await station.call("GET", `/sessions/${id}`)).body;
  return { station, id, crash, echo, info };
}

describe("a request to a session whose server is restarting", () => {
  test("waits for the new process and succeeds; the request in flight at the crash failed at once", async () => {
    const { crash, echo, info } = await crashingSession(600);
    const crashed = await crash();
    expect(crashed.status).toBe(502); // in flight when the server died: not retried
    expect(crashed.body.error.data).toMatchObject({ type: "server_exited", exit_code: 3 });
    expect((await info()).status).toBe("restarting");
    const sent = performance.now();
    const answer = await echo("after the restart");
    expect(answer.status).toBe(200);
    expect(answer.body.data.content[0].text).toBe("after the restart");
    expect(performance.now() - sent).toBeGreaterThanOrEqual(300); // it did wait out the backoff
    expect(await info()).toMatchObject({ status: "running", restarts: 1 });
  });

  test("whose deadline is shorter than the backoff gets 503 at once, with Retry-After naming the next attempt", async () => {
    const { crash, echo, info } = await crashingSession(5_000);
    await crash();
    const { next_restart_at } = await info();
    const sent = performance.now();
    const answer = await echo("too soon", { timeout_ms: 1_000 });
    expect(performance.now() - sent).toBeLessThan(1_000);
    expect(answer.status).toBe(503);
    expect(answer.body.error.data).toMatchObject({ type: "session_restarting", status: "restarting", next_restart_at });
    const retryAfter = Number(answer.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
  });

  test("after the policy gave up gets the 409 with the reason", async () => {
    const { crash, echo, info } = await crashingSession(100, 1);
    await crash();
    expect(await eventually(async () => (await info()).status === "running")).toBe(true);
    await crash();
    expect(await eventually(async () => (await info()).status === "failed")).toBe(true);
    const answer = await echo("too late");
    expect(answer.status).toBe(409);
    expect(answer.body.error.data).toMatchObject({ type: "session_not_running", status: "failed" });
    expect(answer.body.error.data.failure_reason).toContain("gave up after 1 restart in a row");
    expect(answer.body.error.message).toContain("gave up");
  });

  test("that is waiting when the session is deleted fails at once with SessionNotRunning", async () => {
    const { station, id, crash } = await crashingSession(10_000);
    await crash();
    const session = station.manager.get(id);
    // Waiting from this call on: nothing runs until the backoff, ten seconds away.
    const waiting = session
      .request("tools/call", { name: "echo", arguments: { text: "never" } }, { timeoutMs: 30_000 })
      .catch((e: unknown) => e);
    const sent = performance.now();
    expect((await station.call("DELETE", `/sessions/${id}`)).status).toBe(200);
    const error = (await waiting) as SessionNotRunning;
    expect(error).toBeInstanceOf(SessionNotRunning);
    expect(error.details.status).toBe("exited");
    expect(performance.now() - sent).toBeLessThan(10_000);
  });

  test("whose caller hangs up while it waits is withdrawn", async () => {
    const { station, id, crash } = await crashingSession(10_000);
    await crash();
    const controller = new AbortController();
    const waiting = station.manager
      .get(id)
      .request("tools/call", { name: "echo", arguments: { text: "gone" } }, { timeoutMs: 30_000, signal: controller.signal })
      .catch((e) => e);
    controller.abort();
    expect(await waiting).toBeInstanceOf(RequestCancelled);
  });
});
