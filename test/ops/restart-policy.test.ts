/**
 * The restart policy with real crashing servers: on-failure brings a crashed
 * server back under the same id (counted in the info and in /metrics),
 * gives up after max_restarts in a row, and never leaves it exited.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backoffDelay, wantsRestart } from "../../src/sessions/restart.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { type OpsStation, startOpsStation } from "./support.ts";

const stations: OpsStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
});

async function station(env: Record<string, string> = {}) {
  const s = await startOpsStation({ MCP_STATION_RESTART_BACKOFF_MS: "50", MCP_STATION_RESTART_BACKOFF_MAX_MS: "2000", ...env });
  stations.push(s);
  return s;
}

const info = async (s: OpsStation, id: string) => (await s.call("GET", `/sessions/${id}`)).body;
const crash = (s: OpsStation, id: string) =>
  s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "crash", arguments: {} } });

describe("the rules", () => {
  test("on-failure restarts after a non-zero exit, a signal or unresponsiveness, not after exit 0; always after any", () => {
    expect(wantsRestart("on-failure", { code: 3, signal: null }, "exited")).toBe(true);
    expect(wantsRestart("on-failure", { code: null, signal: "SIGKILL" }, "exited")).toBe(true);
    expect(wantsRestart("on-failure", { code: 0, signal: null }, "exited")).toBe(false);
    expect(wantsRestart("on-failure", undefined, "unresponsive")).toBe(true);
    expect(wantsRestart("always", { code: 0, signal: null }, "exited")).toBe(true);
    expect(wantsRestart("never", { code: 3, signal: null }, "exited")).toBe(false);
  });

  test("the backoff doubles from its base up to its cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 1000, 10_000))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});

describe("with crashing servers", () => {
  test("on-failure: a crashed server comes back under the same id, re-initialized, and the counters show it", async () => {
    const s = await station();
    const created = (
      await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: 3 })
    ).body;
    expect(created.restart_policy).toBe("on-failure");
    expect((await crash(s, created.session_id)).status).toBe(502);
    expect(
      await eventually(
        async () => (await info(s, created.session_id)).restarts === 1 && (await info(s, created.session_id)).status === "running",
        10_000,
      ),
    ).toBe(true);
    const after = await info(s, created.session_id);
    expect(after.pid).not.toBe(created.pid);
    expect(after.server_info.name).toBe("crash");
    expect(await waitGone(created.pid)).toBe(true);
    const echo = await s.call("POST", "/mcp/request", {
      session_id: created.session_id,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "again" } },
    });
    expect(echo.body.data.content[0].text).toBe("again");
    const events = (await s.call("GET", `/sessions/${created.session_id}/events`)).body.events
      .filter((e: any) => e.kind === "status")
      .map((e: any) => e.data.status);
    expect(events).toEqual(["running", "exited", "restarting", "starting", "running"]);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('mcp_station_session_restarts_total{reason="exited",outcome="ok"} 1');
    expect(metrics).toContain("mcp_station_server_crashes_total 1");
    expect(metrics).toContain('mcp_station_sessions{status="running"} 1');
  });

  test("after max_restarts crashes in a row the session fails, saying why", async () => {
    const s = await station();
    const created = (
      await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: 1 })
    ).body;
    await crash(s, created.session_id);
    expect(
      await eventually(
        async () => (await info(s, created.session_id)).status === "running" && (await info(s, created.session_id)).restarts === 1,
        10_000,
      ),
    ).toBe(true);
    await crash(s, created.session_id);
    expect(await eventually(async () => (await info(s, created.session_id)).status === "failed", 10_000)).toBe(true);
    const failed = await info(s, created.session_id);
    expect(failed.failure_reason).toContain("gave up after 1 restart in a row");
    expect(failed.failure_reason).toContain("exit code 3");
    expect((await s.call("POST", "/mcp/request", { session_id: created.session_id, method: "tools/list" })).status).toBe(409);
  });

  test("never (the default): a crashed server stays exited", async () => {
    const s = await station();
    const created = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs") })).body;
    expect(created.restart_policy).toBe("never");
    await crash(s, created.session_id);
    expect(await eventually(async () => (await info(s, created.session_id)).status === "exited")).toBe(true);
    expect((await info(s, created.session_id)).restarts).toBe(0);
  });

  test("MCP_STATION_RESTART_POLICY sets the default; deleting a session waiting out its backoff ends it for good", async () => {
    const s = await station({
      MCP_STATION_RESTART_POLICY: "always",
      MCP_STATION_RESTART_BACKOFF_MS: "60000",
      MCP_STATION_RESTART_BACKOFF_MAX_MS: "60000",
    });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs") })).body;
    expect(created.restart_policy).toBe("always");
    await crash(s, created.session_id);
    expect(await eventually(async () => (await info(s, created.session_id)).status === "restarting")).toBe(true);
    expect(Date.parse((await info(s, created.session_id)).next_restart_at)).toBeGreaterThan(Date.now());
    expect((await s.call("DELETE", `/sessions/${created.session_id}`)).status).toBe(200);
    expect((await s.call("GET", `/sessions/${created.session_id}`)).status).toBe(404);
  });

  test("a registry entry's station.restart_policy applies to its sessions; the request can still choose", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-station-registry-"));
    try {
      const file = join(dir, "servers.json");
      writeFileSync(
        file,
        JSON.stringify({
          mcpServers: {
            crashy: { command: "node", args: [fixture("crash.mjs")], station: { restart_policy: "on-failure", max_restarts: 2 } },
          },
        }),
      );
      const s = await station({ MCP_STATION_SERVERS_FILE: file });
      const fromRegistry = (await s.call("POST", "/sessions", { server: "crashy" })).body;
      expect(fromRegistry).toMatchObject({ restart_policy: "on-failure", max_restarts: 2 });
      const chosen = (await s.call("POST", "/sessions", { server: "crashy", restart_policy: "never" })).body;
      expect(chosen.restart_policy).toBe("never");
      await crash(s, fromRegistry.session_id);
      expect(await eventually(async () => (await info(s, fromRegistry.session_id)).restarts === 1, 10_000)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
