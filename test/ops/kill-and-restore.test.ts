/**
 * The operator's test, on real processes: the station is killed with SIGKILL
 * while three sessions run (one of them a server whose own child outlives
 * it), started again on the same store, and the three answer under their
 * old ids; what the first run left running is ended, not leaked. Run on the compiled binary from an empty directory with SQLite in
 * its default ./data, and from source on PostgreSQL.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { isRunning, waitGone } from "../support/processes.ts";
import { BUN, FROM_SOURCE, type StationProcess, json, spawnStation } from "../support/station-process.ts";
import { POSTGRES_URL, promtoolCheck } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-ops-"));
const running: StationProcess[] = [];
const prefix = `mcp_station_k${process.pid}_`;
afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  const { SQL } = await import("bun");
  const sql = new SQL(POSTGRES_URL);
  for (const table of ["sessions", "status_history", "instances", "schema"]) await sql.unsafe(`drop table if exists ${prefix}${table}`);
  await sql.close();
});

async function killAndRestore(argv: string[], env: Record<string, string>, cwd: string) {
  const first = await spawnStation(argv, env, cwd);
  running.push(first);
  const created: any[] = [];
  for (const command of ["echo.mjs", "grandchild.mjs", "modern.mjs"]) {
    const res = await json(`${first.url}/sessions`, { method: "POST", json: { server_command: fixture(command) } });
    expect(res.status).toBe(200);
    created.push(res.body);
  }
  const grandchild = Number(
    (
      await json(`${first.url}/mcp/request`, {
        method: "POST",
        json: { session_id: created[1].session_id, method: "tools/call", params: { name: "grandchild_pid", arguments: {} } },
      })
    ).body.data.content[0].text,
  );
  expect(await first.stop("SIGKILL")).not.toBe(0);
  // The servers end when their stdin closes; the grandchild has no stdin and nobody was left to stop it.
  expect(await waitGone(created[1].pid)).toBe(true);
  expect(isRunning(grandchild)).toBe(true);

  const second = await spawnStation(argv, env, cwd);
  running.push(second);
  expect(await waitGone(grandchild)).toBe(true);
  for (const old of created) {
    let info: any;
    for (let i = 0; i < 250; i++) {
      info = (await json(`${second.url}/sessions/${old.session_id}`)).body;
      if (info.status === "running") break;
      await Bun.sleep(20);
    }
    expect(info).toMatchObject({ session_id: old.session_id, status: "running", restored: true, era: old.era });
    expect(info.pid).not.toBe(old.pid);
    const answer = await json(`${second.url}/mcp/request`, {
      method: "POST",
      json: { session_id: old.session_id, method: "tools/call", params: { name: "echo", arguments: { text: `still ${old.session_id}` } } },
    });
    expect(answer.body.data.content[0].text).toBe(`still ${old.session_id}`);
  }
  const ready = await json(`${second.url}/readyz`);
  expect(ready).toEqual({ status: 200, body: { status: "ready", sessions: 3, store: "ok", restore: "done" } });
  const metrics = await (await fetch(`${second.url}/metrics`)).text();
  expect(metrics).toContain('mcp_station_sessions{status="running"} 3');
  expect(metrics).toContain("process_resident_memory_bytes");
  const check = promtoolCheck(metrics);
  if (check) expect(check).toEqual({ ok: true, output: "" });
  expect(second.logs.map((l) => l.msg)).toContain("ended servers left running by the previous run");

  const pids = (await json(`${second.url}/sessions`)).body.sessions.map((s: any) => s.pid);
  expect(await second.stop("SIGTERM")).toBe(0);
  for (const pid of pids) expect(await waitGone(pid)).toBe(true);
  return created;
}

describe("killed with SIGKILL, started again", () => {
  test("the compiled binary, from an empty directory, SQLite in ./data: the three sessions answer under their old ids", async () => {
    const outfile = join(dir, "mcp-station");
    const build = Bun.spawnSync([BUN, "run", "build.ts", `--outfile=${outfile}`], { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
    expect(build.exitCode).toBe(0);
    const empty = mkdtempSync(join(dir, "run-"));
    await killAndRestore([outfile], { MCP_STATION_PERSISTENCE: "on" }, empty);
    expect(statSync(join(empty, "data", "mcp-station.sqlite")).mode & 0o777).toBe(0o600);
  });

  test("from source on PostgreSQL: the same", async () => {
    const empty = mkdtempSync(join(dir, "pg-"));
    await killAndRestore(
      FROM_SOURCE,
      { MCP_STATION_PERSISTENCE: "on", MCP_STATION_DATABASE_URL: POSTGRES_URL, MCP_STATION_TABLE_PREFIX: prefix },
      empty,
    );
  });

  test("a second station on the same data directory refuses to start, naming the first", async () => {
    const shared = mkdtempSync(join(dir, "shared-"));
    const first = await spawnStation(FROM_SOURCE, { MCP_STATION_PERSISTENCE: "on", MCP_STATION_DATA_DIR: join(shared, "data") }, shared);
    running.push(first);
    const second = Bun.spawn(FROM_SOURCE, {
      cwd: shared,
      env: {
        PATH: process.env.PATH ?? "",
        MCP_STATION_PORT: "0",
        MCP_STATION_HOST: "127.0.0.1",
        MCP_STATION_DATA_DIR: join(shared, "data"),
      },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(await second.exited).toBe(2);
    expect(await new Response(second.stderr).text()).toContain(`in use by another station (pid ${first.pid}`);
    expect(await first.stop("SIGTERM")).toBe(0);
  });
});
