/**
 * POST /sessions/{id}/restart: the server is stopped and started again under
 * the same session id, whatever the restart policy; callers in flight get
 * server_exited, callers arriving meanwhile wait for the new process; only the
 * session's owner and admins may ask. Real stations, real child processes.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRemote, stopAllRemotes } from "../support/remote-server.ts";
import { fixture } from "../setup/paths.ts";
import { ADMIN_KEY, KEYS_ENV, KEY_A, KEY_B, type LoggedStation, startLoggedStation } from "../security/support.ts";
import { isRunning } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

const stations: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
  await stopAllRemotes();
});

async function station(): Promise<TestStation> {
  const s = await startStation();
  stations.push(s);
  return s;
}

const echo = (s: TestStation, id: string, text: string) =>
  s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "echo", arguments: { text } } });

describe("POST /sessions/{id}/restart", () => {
  test("starts a fresh process under the same id, counts it, and the session answers again", async () => {
    const s = await station();
    const created = await s.create({ server_command: fixture("echo.mjs") });
    const id: string = created.body.session_id;
    const oldPid: number = created.body.pid;

    const restarted = await s.call("POST", `/sessions/${id}/restart`);
    expect(restarted.status).toBe(200);
    expect(restarted.body).toMatchObject({ session_id: id, status: "running", restarts: 1, restart_policy: "never" });
    expect(restarted.body.pid).not.toBe(oldPid);
    expect(isRunning(oldPid)).toBe(false);
    expect(isRunning(restarted.body.pid)).toBe(true);

    expect((await s.call("GET", `/sessions/${id}`)).body).toMatchObject({ status: "running", restarts: 1, crashed: false });
    const answer = await echo(s, id, "after the restart");
    expect(answer.status).toBe(200);
    expect(answer.body.data.content[0].text).toBe("after the restart");

    const second = await s.call("POST", `/sessions/${id}/restart`);
    expect(second.body.restarts).toBe(2);
    const history = (await s.call("GET", `/sessions/${id}/history`)).body.entries;
    const restarts = history.filter((entry: { kind: string }) => entry.kind === "restart");
    expect(restarts).toHaveLength(2);
    expect(restarts[0]).toMatchObject({ status: "restarting", reason: "restarted on request", next_attempt_at: null });
    const openapi = (await s.call("GET", "/openapi/json")).body;
    expect(Object.keys(openapi.paths["/sessions/{session_id}/restart"].post.responses)).toEqual(["200", "400", "404", "409", "502"]);
    const metrics = (await s.call("GET", "/metrics")).body as string;
    expect(metrics).toContain('mcp_station_session_restarts_total{reason="requested",outcome="ok"} 2');
  });

  test("a request in flight fails with server_exited; one sent during the restart waits and succeeds", async () => {
    const s = await station();
    const id: string = (await s.create({ server_command: fixture("echo.mjs") })).body.session_id;
    const inFlight = s.call("POST", "/mcp/request", {
      session_id: id,
      method: "tools/call",
      params: { name: "slow", arguments: { ms: 30_000 } },
    });
    // The slow call reached the server before the restart is asked for.
    while (s.manager.get(id).inFlight === 0) await Bun.sleep(10);
    const restart = s.call("POST", `/sessions/${id}/restart`);
    while (s.manager.get(id).status !== "restarting") await Bun.sleep(1);
    const during = echo(s, id, "during the restart");

    const failed = await inFlight;
    expect(failed.status).toBe(502);
    expect(failed.body.error.data.type).toBe("server_exited");
    expect((await restart).status).toBe(200);
    const waited = await during;
    expect(waited.status).toBe(200);
    expect(waited.body.data.content[0].text).toBe("during the restart");
  });

  test("an exited session is 409 session_not_running; an unknown one 404", async () => {
    const s = await station();
    const id: string = (await s.create({ server_command: fixture("crash.mjs") })).body.session_id;
    await s.mcp(id, "tools/call", { name: "crash", arguments: {} });
    const refused = await s.call("POST", `/sessions/${id}/restart`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.data).toMatchObject({ type: "session_not_running", status: "exited" });
    // Refused before anything happened: no attempt counted.
    expect((await s.call("GET", "/metrics")).body).not.toContain('reason="requested"');
    const unknown = await s.call("POST", "/sessions/no-such-session/restart");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.data.type).toBe("session_not_found");
  });

  test("a delete during the restart wins: the session is gone and no process is left", async () => {
    const s = await station();
    const created = await s.create({ server_command: fixture("echo.mjs") });
    const id: string = created.body.session_id;
    const restart = s.call("POST", `/sessions/${id}/restart`);
    while (s.manager.get(id).status !== "restarting") await Bun.sleep(1);
    const session = s.manager.get(id);
    expect((await s.call("DELETE", `/sessions/${id}`)).status).toBe(200);
    await restart;
    expect(session.status).toBe("exited");
    expect(session.pid === null || !isRunning(session.pid)).toBe(true);
    expect((await s.call("GET", `/sessions/${id}`)).status).toBe(404);
  });

  test("the owner tenant and admins may restart a session; another tenant gets 404", async () => {
    const s: LoggedStation = await startLoggedStation(KEYS_ENV);
    stations.push(s);
    const created = await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, s.as(KEY_A));
    const id: string = created.body.session_id;
    const other = await s.call("POST", `/sessions/${id}/restart`, undefined, s.as(KEY_B));
    expect(other.status).toBe(404);
    expect(other.body.error.data.type).toBe("session_not_found");
    expect((await s.call("POST", `/sessions/${id}/restart`, undefined, s.as(KEY_A))).body.restarts).toBe(1);
    expect((await s.call("POST", `/sessions/${id}/restart`, undefined, s.as(ADMIN_KEY))).body.restarts).toBe(2);
    expect(s.logs.some((line) => line.msg === "audit: session restart asked" && line.tenant === "b")).toBe(false);
    expect(s.logs.filter((line) => line.msg === "audit: session restart asked")).toHaveLength(2);
  });

  test("a remote server's session: its link is closed and opened again, and it answers", async () => {
    const remote = await startRemote("sdk-v1");
    const dir = mkdtempSync(join(tmpdir(), "mcp-station-restart-"));
    try {
      writeFileSync(join(dir, "servers.json"), JSON.stringify({ mcpServers: { far: { url: remote.url } } }));
      const s = await startStation({ MCP_STATION_SERVERS_FILE: join(dir, "servers.json") });
      stations.push(s);
      const id: string = (await s.create({ server: "far" })).body.session_id;
      const restarted = await s.call("POST", `/sessions/${id}/restart`);
      expect(restarted.status).toBe(200);
      expect(restarted.body).toMatchObject({ session_id: id, status: "running", restarts: 1, pid: null });
      const answer = await echo(s, id, "remote, after the restart");
      expect(answer.status).toBe(200);
      expect(answer.body.data.content[0].text).toContain("remote, after the restart");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
