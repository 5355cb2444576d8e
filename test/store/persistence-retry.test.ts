/**
 * Store writes that fail (the database is down) are not lost: the sessions
 * they concerned are written again, with their current state and the status
 * changes missed, once the store answers again. Failures are counted
 * (mcp_station_store_errors_total), the sessions still waiting are a gauge
 * (mcp_station_store_unsaved_sessions), and both the failure and the
 * recovery are a log line.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SqlDatabase, openDatabase } from "../../src/store/database.ts";
import { SessionStore } from "../../src/store/session-store.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { startOpsStation } from "../ops/support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-retry-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database that fails every statement while `down` is set, as one behind a dead network link does. */
function flaky(db: SqlDatabase): SqlDatabase & { down: boolean } {
  const wrapped = {
    down: false,
    kind: db.kind,
    location: db.location,
    run: async (sql: string, params?: any[]) => {
      if (wrapped.down) throw new Error("connection refused (test: database down)");
      return db.run(sql, params);
    },
    all: async (sql: string, params?: any[]) => {
      if (wrapped.down) throw new Error("connection refused (test: database down)");
      return db.all(sql, params);
    },
    close: () => db.close(),
  };
  return wrapped;
}

describe("store writes while the database is down", () => {
  test("a session created (and one deleted) meanwhile is recorded once the store is back, with its history", async () => {
    const db = flaky(await openDatabase({ dataDir: join(dir, "data") }));
    const store = await SessionStore.open(db, { instance: "retry", tablePrefix: "mcp_station_" });
    const s = await startOpsStation({}, store);
    try {
      const before = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      await s.station.operations.persistence!.flushed();
      expect((await store.load()).map((r) => r.session_id)).toEqual([before.session_id]);

      db.down = true;
      const during = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      expect(during.status).toBe("running");
      expect((await s.call("DELETE", `/sessions/${before.session_id}`)).status).toBe(200);
      await s.station.operations.persistence!.flushed();
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(Number(/mcp_station_store_errors_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      expect(metrics).toContain("mcp_station_store_unsaved_sessions 2");
      expect(s.logs.filter((l) => l.msg === "session store write failed; retrying")).toHaveLength(1);

      db.down = false;
      const rows = await eventually(async () => {
        const ids = (await store.load()).map((r) => r.session_id);
        return ids.length === 1 && ids[0] === during.session_id ? ids : undefined;
      }, 10_000);
      expect(rows).toEqual([during.session_id]);
      expect((await store.load())[0]).toMatchObject({ status: "running", process: { pgid: during.pid } });
      expect((await store.history(during.session_id)).map((h) => h.status)).toEqual(["starting", "running"]);
      expect(await eventually(() => s.logs.find((l) => l.msg === "session store writes caught up"))).toMatchObject({ sessions: 2 });
      expect(await (await fetch(`${s.url}/metrics`)).text()).toContain("mcp_station_store_unsaved_sessions 0");
    } finally {
      await s.stop();
    }
  });

  test("at shutdown, what could not be written yet is tried once more before the record is frozen", async () => {
    const db = flaky(await openDatabase({ dataDir: join(dir, "data2") }));
    const store = await SessionStore.open(db, { instance: "retry", tablePrefix: "mcp_station_" });
    const s = await startOpsStation({}, store);
    db.down = true;
    const during = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
    await s.station.operations.persistence!.flushed();
    db.down = false;
    // Before the first retry is due: freeze writes it, as it stood before shutdown stops the server.
    await s.station.operations.freeze();
    const rows = await SessionStore.open(await openDatabase({ dataDir: join(dir, "data2") }), {
      instance: "retry",
      tablePrefix: "mcp_station_",
    }).then((other) => other.load().finally(() => other.db.close()));
    expect(rows.map((r) => [r.session_id, r.status])).toEqual([[during.session_id, "running"]]);
    await s.station.manager.shutdown();
    await s.station.app.stop(true);
    await s.station.operations.close();
  });
});
