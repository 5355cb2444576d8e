/**
 * A session's history outlives the station: a crash and its restart are
 * recorded, the station is killed with SIGKILL, and the next start on the
 * same store serves them, followed by the session's restore. From source, on
 * SQLite in a data directory and on PostgreSQL.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../src/store/database.ts";
import { SessionStore } from "../../src/store/session-store.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { FROM_SOURCE, type StationProcess, json, spawnStation } from "../support/station-process.ts";
import { POSTGRES_URL } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-history-kill-"));
const prefix = `mcp_station_h${process.pid}_`;
const running: StationProcess[] = [];
afterAll(async () => {
  for (const s of running) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
  const store = await SessionStore.open(await openDatabase({ url: POSTGRES_URL, dataDir: dir }), {
    instance: "default",
    tablePrefix: prefix,
  });
  await store.dropTables();
  await store.close();
});

async function start(env: Record<string, string>): Promise<StationProcess> {
  const station = await spawnStation(FROM_SOURCE, { MCP_STATION_PERSISTENCE: "on", MCP_STATION_RESTART_BACKOFF_MS: "50", ...env }, dir);
  running.push(station);
  return station;
}

async function historyAcrossKill(env: Record<string, string>) {
  const first = await start(env);
  const created = (
    await json(`${first.url}/sessions`, {
      method: "POST",
      json: { server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: 3 },
    })
  ).body;
  const id = created.session_id;
  await json(`${first.url}/mcp/request`, {
    method: "POST",
    json: { session_id: id, method: "tools/call", params: { name: "crash", arguments: {} } },
  });
  // A read waits for the writes queued before it: once the store's answer holds the new run, so does the store.
  const before = await eventually(async () => {
    const page = (await json(`${first.url}/sessions/${id}/history`)).body;
    return page.source === "store" && page.entries.at(-1)?.status === "running" && page.count === 6 ? page : undefined;
  }, 10_000);
  expect(before.entries.map((e: any) => e.kind)).toEqual(["status", "status", "exit", "restart", "status", "status"]);
  const pid = (await json(`${first.url}/sessions/${id}`)).body.pid;

  expect(await first.stop("SIGKILL")).not.toBe(0);
  expect(await waitGone(pid)).toBe(true);
  const second = await start(env);
  expect(await eventually(async () => (await json(`${second.url}/sessions/${id}`)).body.status === "running", 10_000)).toBe(true);

  const after = (await json(`${second.url}/sessions/${id}/history`)).body;
  expect(after.source).toBe("store");
  expect(after.entries.slice(0, 6)).toEqual(before.entries);
  expect(after.entries.slice(6).map((e: any) => [e.kind, e.status, e.detail])).toEqual([
    ["status", "starting", "restored after a station restart"],
    ["status", "running", null],
  ]);
  expect(after.entries[2]).toMatchObject({ exit_code: 3, crashed: true, stderr_tail: "about to crash" });
  expect(await second.stop("SIGTERM")).toBe(0);
}

describe("the history after a kill -9", () => {
  test("SQLite in a data directory: the first run's entries, then the restore", async () => {
    await historyAcrossKill({ MCP_STATION_DATA_DIR: join(dir, "data") });
  });

  test("PostgreSQL: the same", async () => {
    await historyAcrossKill({ MCP_STATION_DATABASE_URL: POSTGRES_URL, MCP_STATION_TABLE_PREFIX: prefix });
  });
});
