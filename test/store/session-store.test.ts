/**
 * The store, one suite run against both databases: SQLite (bun:sqlite, the
 * default) and PostgreSQL (Bun's SQL client, the real server on this host).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { SessionStore, type StoredSession } from "../../src/store/session-store.ts";
import { storeKinds } from "../ops/support.ts";

function record(id: string, overrides: Partial<StoredSession> = {}): StoredSession {
  return {
    session_id: id,
    owner: "team-a",
    status: "running",
    request: { server_command: "/srv/echo.mjs", server_args: ["--x"], env_vars: { API_KEY: "secret" }, roots: [{ uri: "file:///w" }] },
    dropped_env: [],
    identity: { era: "legacy", protocolVersion: "2025-11-25", serverInfo: { name: "echo", version: "1" } },
    created_at: "2026-01-01T00:00:00.000Z",
    started_at: "2026-01-01T00:00:01.000Z",
    exited_at: null,
    restored_at: null,
    restarts: 2,
    failure_reason: null,
    process: { pgid: 4242, startTicks: "123456789012", bootId: "boot-1" },
    ...overrides,
  };
}

for (const kind of storeKinds()) {
  describe(`the session store on ${kind.name}`, () => {
    afterAll(() => kind.cleanup());

    test("creates its schema once and opens again on the same tables", async () => {
      const first = await kind.open();
      expect(first.schemaVersion).toBeGreaterThanOrEqual(1);
      await first.close();
      const second = await kind.open();
      await second.ping();
      await second.close();
    });

    test("a saved session loads back as it was, and saving again replaces it", async () => {
      const store = await kind.open();
      await store.save(record("s-roundtrip"));
      expect((await store.load()).find((r) => r.session_id === "s-roundtrip")).toEqual(record("s-roundtrip"));
      await store.save(record("s-roundtrip", { status: "exited", exited_at: "2026-01-01T00:01:00.000Z", process: null }));
      const again = (await store.load()).filter((r) => r.session_id === "s-roundtrip");
      expect(again).toHaveLength(1);
      expect(again[0].status).toBe("exited");
      expect(again[0].process).toBeNull();
      await store.remove("s-roundtrip");
      expect((await store.load()).some((r) => r.session_id === "s-roundtrip")).toBe(false);
      await store.close();
    });

    test("keeps a bounded history per session, oldest first", async () => {
      const db = await kind.open();
      for (let i = 0; i < 105; i++)
        await db.addHistory("s-history", {
          at: new Date(i * 1000).toISOString(),
          kind: "status",
          status: i % 2 ? "running" : "starting",
          detail: `n${i}`,
        });
      const history = await db.history("s-history");
      expect(history).toHaveLength(100);
      expect(history[0].detail).toBe("n5");
      expect(history.at(-1)?.detail).toBe("n104");
      await db.remove("s-history");
      expect(await db.history("s-history")).toEqual([]);
      await db.close();
    });

    test("stations sharing the database see only their own instance's sessions", async () => {
      const a = await kind.open("station-a");
      const b = await kind.open("station-b");
      await a.save(record("s-of-a"));
      await b.save(record("s-of-b"));
      expect((await a.load()).map((r) => r.session_id)).toEqual(["s-of-a"]);
      expect((await b.load()).map((r) => r.session_id)).toEqual(["s-of-b"]);
      await a.remove("s-of-a");
      await b.remove("s-of-b");
      await a.close();
      await b.close();
    });

    test("the history keeps each kind's own fields; a limit reads the newest entries", async () => {
      const store = await kind.open();
      const exit = {
        at: "2026-01-01T00:00:02.000Z",
        kind: "exit",
        status: "exited",
        detail: "crashed: exit code 3",
        exit_code: 3,
        exit_signal: null,
        crashed: true,
        stderr_tail: "about to crash",
      } as const;
      const check = {
        at: "2026-01-01T00:00:01.000Z",
        kind: "health",
        status: "unresponsive",
        detail: "no answer to ping within 300 ms",
        ok: false,
        method: "ping",
        latency_ms: null,
        error: "no answer to ping within 300 ms",
        consecutive_failures: 1,
      } as const;
      await store.addHistory("s-kinds", { at: "2026-01-01T00:00:00.000Z", kind: "status", status: "running", detail: null });
      await store.addHistory("s-kinds", check);
      await store.addHistory("s-kinds", exit);
      expect((await store.history("s-kinds")).slice(1)).toEqual([check, exit]);
      expect(await store.history("s-kinds", 1)).toEqual([exit]);
      await store.remove("s-kinds");
      await store.close();
    });

    test("a store at schema version 2 is brought up to date: its status changes read back as status entries", async () => {
      const base = await kind.open();
      const prefix = `mcp_station_v2_${Math.random().toString(36).slice(2, 8)}_`;
      const options = { instance: "migration", tablePrefix: prefix };
      const current = await SessionStore.open(base.db, options);
      expect(current.schemaVersion).toBe(5);
      // Back to version 2 as it shipped: no kind or data column, and its rows (version 4's cluster columns may stay: its step skips them; version 5's tables too).
      await base.db.run(`alter table ${prefix}status_history drop column data`);
      await base.db.run(`alter table ${prefix}status_history drop column kind`);
      await base.db.run(`delete from ${prefix}schema where version >= 3`);
      await base.db.run(
        `insert into ${prefix}status_history (session_id, seq, at, status, detail) values ('s-old', 1, '2026-01-01T00:00:00.000Z', 'exited', 'crashed: code 3, signal null')`,
      );

      const upgraded = await SessionStore.open(base.db, options);
      expect(await upgraded.history("s-old")).toEqual([
        { at: "2026-01-01T00:00:00.000Z", kind: "status", status: "exited", detail: "crashed: code 3, signal null" },
      ]);
      // A station killed after a step but before its version was recorded runs the step again at its next start.
      await base.db.run(`delete from ${prefix}schema where version >= 3`);
      const again = await SessionStore.open(base.db, options);
      expect((await base.db.all(`select version from ${prefix}schema order by version`)).map((r) => Number(r.version))).toEqual([
        1, 2, 3, 4, 5,
      ]);
      expect(await again.history("s-old")).toHaveLength(1);
      await again.dropTables();
      await base.close();
    });
  });
}
