/**
 * Per-session health checks against real servers: a server that stops
 * answering (SIGSTOP) becomes unresponsive and comes back when it answers
 * again; a modern server is checked with server/discover; under on-failure
 * an unresponsive server is restarted under the same id.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { type OpsStation, startOpsStation } from "../ops/support.ts";

const FAST_CHECKS = { MCP_STATION_HEALTH_INTERVAL_MS: "100", MCP_STATION_HEALTH_TIMEOUT_MS: "300" };
const stations: OpsStation[] = [];
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {}
  }
  for (const s of stations.splice(0)) await s.stop();
});

async function station(env: Record<string, string>) {
  const s = await startOpsStation({ ...FAST_CHECKS, ...env });
  stations.push(s);
  return s;
}

const info = async (s: OpsStation, id: string) => (await s.call("GET", `/sessions/${id}`)).body;

describe("health checks", () => {
  test("a legacy server is pinged; one that stops answering becomes unresponsive, and running again once it answers", async () => {
    const s = await station({ MCP_STATION_HEALTH_RESTART_AFTER: "0" });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
    expect(await eventually(async () => (await info(s, created.session_id)).health?.ok === true)).toBe(true);
    expect((await info(s, created.session_id)).health.method).toBe("ping");

    process.kill(created.pid, "SIGSTOP");
    stopped.push(created.pid);
    expect(await eventually(async () => (await info(s, created.session_id)).status === "unresponsive")).toBe(true);
    const missed = (await info(s, created.session_id)).health;
    expect(missed.ok).toBe(false);
    expect(missed.error).toContain("no answer to ping");
    expect(missed.consecutive_failures).toBeGreaterThanOrEqual(1);
    expect(s.logs.some((l) => l.msg === "session unresponsive" && l.session_id === created.session_id)).toBe(true);

    process.kill(created.pid, "SIGCONT");
    expect(await eventually(async () => (await info(s, created.session_id)).status === "running")).toBe(true);
    expect((await info(s, created.session_id)).health.consecutive_failures).toBe(0);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/mcp_station_health_checks_total\{outcome="unanswered"\} [1-9]/);
  });

  test("a 2026-07-28 server is checked with server/discover, since that revision has no ping", async () => {
    const s = await station({});
    const created = (await s.call("POST", "/sessions", { server_command: fixture("modern.mjs") })).body;
    expect(created.era).toBe("modern");
    expect(await eventually(async () => (await info(s, created.session_id)).health?.ok === true)).toBe(true);
    expect((await info(s, created.session_id)).health.method).toBe("server/discover");
  });

  test("health checks do not count as activity: an idle session is still stopped", async () => {
    const s = await station({ MCP_STATION_IDLE_TIMEOUT_MS: "600" });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
    expect(await eventually(async () => (await info(s, created.session_id)).status === "exited", 10_000)).toBe(true);
  });

  test("under on-failure, a server unresponsive for MCP_STATION_HEALTH_RESTART_AFTER checks is restarted under the same id", async () => {
    const s = await station({ MCP_STATION_HEALTH_RESTART_AFTER: "2", MCP_STATION_RESTART_BACKOFF_MS: "50" });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs"), restart_policy: "on-failure" })).body;
    process.kill(created.pid, "SIGSTOP");
    stopped.push(created.pid);
    expect(
      await eventually(
        async () => (await info(s, created.session_id)).restarts === 1 && (await info(s, created.session_id)).status === "running",
        10_000,
      ),
    ).toBe(true);
    const after = await info(s, created.session_id);
    expect(after.pid).not.toBe(created.pid);
    expect(await waitGone(created.pid)).toBe(true);
    const answer = await s.call("POST", "/mcp/request", {
      session_id: created.session_id,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "alive" } },
    });
    expect(answer.body.data.content[0].text).toBe("alive");
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('mcp_station_session_restarts_total{reason="unresponsive",outcome="ok"} 1');
  });
});
