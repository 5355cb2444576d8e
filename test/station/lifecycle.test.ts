/**
 * The station as a process: it shuts down cleanly on SIGTERM and SIGINT with
 * no server left behind, and the compiled binary runs from an empty directory.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { groupMembers, waitGone } from "../support/processes.ts";
import { BUN, type StationProcess, json, spawnStation } from "../support/station-process.ts";

const running: StationProcess[] = [];
afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) await s.stop("SIGKILL");
});

async function withSessions(station: StationProcess, commands: string[]) {
  const pids: number[] = [];
  for (const command of commands) {
    const res = await json(`${station.url}/sessions`, { method: "POST", json: { server_command: fixture(command) } });
    expect(res.status).toBe(200);
    pids.push(res.body.pid);
  }
  return pids;
}

describe("shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`on ${signal} the station stops every server, even stubborn ones, and exits 0`, async () => {
      const station = await spawnStation(undefined, { MCP_STATION_STOP_GRACE_MS: "200", MCP_STATION_STOP_TERM_MS: "300" });
      running.push(station);
      const pids = await withSessions(station, ["echo.mjs", "ignore-sigterm.mjs", "grandchild.mjs"]);
      const grandchild = (
        await json(`${station.url}/mcp/request`, {
          method: "POST",
          json: {
            session_id: (await json(`${station.url}/sessions`)).body.sessions.find((s: any) => s.pid === pids[2]).session_id,
            method: "tools/call",
            params: { name: "grandchild_pid", arguments: {} },
          },
        })
      ).body.data.content[0].text;
      expect(await station.stop(signal)).toBe(0);
      for (const pid of [...pids, Number(grandchild)]) expect(await waitGone(pid)).toBe(true);
      // Log lines are written once per event-loop turn; the last ones, written just before exit, still arrive.
      for (let i = 0; i < 50 && !station.logs.some((l) => l.msg === "stopped"); i++) await Bun.sleep(20);
      expect(station.logs.at(-1)?.msg).toBe("stopped");
      for (const pid of pids) expect(groupMembers(pid)).toEqual([]);
    });
  }

  test("a station killed with SIGKILL cannot clean up, but its servers see stdin close", async () => {
    // The honest limit: SIGKILL gives no chance to signal the groups. Well-behaved servers
    // exit when their stdin closes; the persistence layer reaps the rest on the next start.
    const station = await spawnStation();
    running.push(station);
    const [pid] = await withSessions(station, ["echo.mjs"]);
    await station.stop("SIGKILL");
    expect(await waitGone(pid)).toBe(true);
  });
});

describe("the compiled binary", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-station-bin-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("builds, runs from an empty directory with only its environment, and serves the seed's calls", async () => {
    const outfile = join(dir, "mcp-station");
    const build = Bun.spawnSync([BUN, "run", "build.ts", `--outfile=${outfile}`], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
    expect(build.exitCode).toBe(0);
    const empty = mkdtempSync(join(dir, "run-"));
    const station = await spawnStation([outfile], {}, empty);
    running.push(station);
    const created = await json(`${station.url}/sessions`, {
      method: "POST",
      json: { server_type: "node", server_command: fixture("echo.mjs") },
    });
    expect(created.body.status).toBe("running");
    const listed = await json(`${station.url}/mcp/request`, {
      method: "POST",
      json: { session_id: created.body.session_id, method: "tools/list", params: {} },
    });
    expect(listed.body.success).toBe(true);
    expect((await json(`${station.url}/openapi/json`)).body.info.title).toBe("MCP Station");
    // The console and Swagger UI are inside the binary: nothing is read from ui/ or node_modules.
    const page = await fetch(`${station.url}/ui/`);
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await page.text()).toContain('src="app.js"');
    expect(await (await fetch(`${station.url}/ui/app.js`)).text()).toContain("mcp-station.credential");
    const swagger = await fetch(`${station.url}/ui/api-docs/swagger-ui-bundle.js`);
    expect(await swagger.text()).toBe(await Bun.file(join(REPO_ROOT, "node_modules/swagger-ui-dist/swagger-ui-bundle.js")).text());
    expect(await station.stop("SIGTERM")).toBe(0);
    expect(await waitGone(created.body.pid)).toBe(true);
  });
});
