/**
 * The store, one suite run against both databases: SQLite (bun:sqlite, the
 * default) and PostgreSQL (Bun's SQL client, the real server on this host).
 */
import { afterAll, describe, expect, test } from "bun:test";
import type { StoredSession } from "../../src/store/session-store.ts";
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

    test("keeps a bounded status history per session, oldest first", async () => {
      const db = await kind.open();
      for (let i = 0; i < 105; i++)
        await db.addStatus("s-history", { at: new Date(i * 1000).toISOString(), status: i % 2 ? "running" : "starting", detail: `n${i}` });
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
  });
}
