/**
 * Warm processes (MCP_STATION_WARM_POOL) not yet handed out are recorded
 * in the store too, as status "warm": after a SIGKILL of the station, the
 * next start reaps them with the other leftovers, and forgets them (a warm
 * process is nobody's session). The next start's own warm processes are
 * recorded before its restore runs and are left alone by it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually, groupMembers, isRunning, waitGone } from "../support/processes.ts";
import { FROM_SOURCE, json, spawnStation } from "../support/station-process.ts";
import { startOpsStation, storeKinds } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-warm-"));
const killLater: number[] = [];
afterAll(() => {
  for (const pid of killLater) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Processes whose command line holds `marker` (the warm pool entry passes it as an argument). */
function pidsWith(marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(marker) && isRunning(Number(entry)))
        found.push(Number(entry));
    } catch {}
  }
  return found;
}

/** The rows the station wrote, read beside it (SQLite in WAL mode allows a second reader). */
function rows(dataDir: string): { session_id: string; status: string; pgid: number | null }[] {
  const db = new Database(join(dataDir, "mcp-station.sqlite"), { readonly: true });
  try {
    return db.query("select session_id, status, pgid from mcp_station_sessions").all() as any[];
  } catch {
    return []; // not created yet
  } finally {
    db.close();
  }
}

const warmPool = (marker: string) => JSON.stringify([{ server_command: fixture("grandchild.mjs"), server_args: [marker], size: 1 }]);

describe("warm processes in the store", () => {
  test("a warm process left running is reaped by the next start; the next start's own warm process is kept", async () => {
    const dataDir = join(dir, "data");
    const env = {
      MCP_STATION_PERSISTENCE: "on",
      MCP_STATION_DATA_DIR: dataDir,
      MCP_STATION_STOP_GRACE_MS: "300",
      MCP_STATION_STOP_TERM_MS: "700",
    };
    const first = await spawnStation(FROM_SOURCE, { ...env, MCP_STATION_WARM_POOL: warmPool("warm-first") });
    const warm = await eventually(() => pidsWith("warm-first")[0], 15_000);
    expect(warm).toBeNumber();
    killLater.push(warm!);
    // Recorded as soon as it is spawned, before anyone takes it.
    expect(await eventually(() => rows(dataDir).find((r) => r.status === "warm" && r.pgid === warm))).toBeTruthy();

    const grandchild = await eventually(() => groupMembers(warm!).find((pid) => pid !== warm));
    expect(grandchild).toBeNumber();

    expect(await first.stop("SIGKILL")).not.toBe(0);
    // The warm server exits when its stdin closes; the grandchild it started stays in its group: a leftover.
    expect(await waitGone(warm!)).toBe(true);
    expect(isRunning(grandchild!)).toBe(true);

    const second = await spawnStation(FROM_SOURCE, { ...env, MCP_STATION_WARM_POOL: warmPool("warm-second") });
    try {
      expect(await eventually(async () => (await json(`${second.url}/readyz`)).status === 200, 15_000)).toBe(true);
      expect(await waitGone(grandchild!)).toBe(true);
      expect(await eventually(() => second.logs.find((l) => l.msg === "ended servers left running by the previous run"))).toMatchObject({
        process_groups: [warm],
      });
      const own = await eventually(() => pidsWith("warm-second")[0], 15_000);
      killLater.push(own!);
      expect(isRunning(own!)).toBe(true);
      const left = rows(dataDir);
      expect(left.map((r) => [r.status, r.pgid])).toEqual([["warm", own!]]);
    } finally {
      expect(await second.stop("SIGTERM")).toBe(0);
    }
  });

  test("restore leaves this run's own warm processes (recorded before it runs) alone", async () => {
    const sqlite = storeKinds().find((k) => k.name === "sqlite")!;
    const s = await startOpsStation({ MCP_STATION_WARM_POOL: warmPool("warm-own") }, await sqlite.open());
    try {
      const own = await eventually(() => s.station.manager.warmPoolStatus()[0]!.pids[0], 15_000);
      await s.station.operations.persistence!.flushed();
      expect((await s.station.operations.store!.load()).map((r) => [r.status, r.process?.pgid])).toEqual([["warm", own]]);
      expect(await s.station.operations.restore()).toMatchObject({ reaped: 0, forgotten: 0 });
      expect(isRunning(own!)).toBe(true);
      expect(s.station.manager.warmPoolStatus()[0]!.pids).toEqual([own!]);
    } finally {
      await s.stop();
      await sqlite.cleanup();
    }
  });
});
