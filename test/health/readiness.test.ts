/**
 * GET /readyz: 503 while the previous run's sessions are being restored
 * (an orchestrator must not send traffic the station cannot serve yet),
 * 200 once restore is done, 503 again once shutdown has begun.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { startOpsStation, storeKinds } from "../ops/support.ts";

const sqlite = storeKinds().find((k) => k.name === "sqlite")!;
afterAll(() => sqlite.cleanup());

describe("/readyz", () => {
  test("503 while restore runs, 200 once it is done, 503 while shutting down", async () => {
    const store = await sqlite.open("readiness");
    // A session of the previous run whose server never answers its handshake: its restore lasts the start timeout.
    await store.save({
      session_id: crypto.randomUUID(),
      owner: "local",
      status: "running",
      request: { server_command: fixture("no-init.mjs") },
      dropped_env: [],
      identity: null,
      created_at: new Date().toISOString(),
      started_at: new Date().toISOString(),
      exited_at: null,
      restored_at: null,
      restarts: 0,
      failure_reason: null,
      process: null,
    });
    const s = await startOpsStation({ MCP_STATION_START_TIMEOUT_MS: "1500" }, store);
    try {
      expect((await s.call("GET", "/readyz")).status).toBe(200); // restore not begun (pending): nothing to wait for yet

      const restoring = s.station.operations.restore();
      const during = await s.call("GET", "/readyz");
      expect(during).toMatchObject({
        status: 503,
        body: { status: "not_ready", reason: "restoring the previous run's sessions", store: "ok", restore: "running" },
      });

      expect(await restoring).toMatchObject({ restored: 0, failed: 1 });
      const after = await s.call("GET", "/readyz");
      expect(after).toMatchObject({ status: 200, body: { status: "ready", store: "ok", restore: "done" } });
      expect(after.body.reason).toBeUndefined();
    } finally {
      await s.station.operations.freeze();
      await s.station.manager.shutdown();
      const closing = await s.call("GET", "/readyz");
      expect(closing).toMatchObject({ status: 503, body: { status: "shutting_down", reason: "the station is shutting down" } });
      await s.station.app.stop(true);
      await s.station.operations.close();
    }
  });
});
