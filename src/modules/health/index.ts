/**
 * Liveness and readiness. /healthz answers while the process runs;
 * /readyz answers 503 once shutdown has begun, while the session store
 * cannot be reached, or while the previous run's sessions are being restored.
 */
import { Elysia, t } from "elysia";
import type { SessionManager } from "../../sessions/manager.ts";

const ReadyBody = t.Object({
  status: t.UnionEnum(["ready", "not_ready", "shutting_down"]),
  reason: t.Optional(t.String({ description: "Why not ready (503 only)" })),
  sessions: t.Integer(),
  store: t.Optional(
    t.UnionEnum(["ok", "unreachable", "off"], { description: "The session store (MCP_STATION_DATA_DIR or MCP_STATION_DATABASE_URL)" }),
  ),
  restore: t.Optional(t.UnionEnum(["pending", "running", "done", "off"])),
});

export interface ReadinessState {
  ready: boolean;
  store: "ok" | "unreachable" | "off";
  restore: "pending" | "running" | "done" | "off";
  /** Why not ready, when it is neither the store nor the restore (a cluster node that is not live). */
  reason?: string;
}

export const healthModule = (manager: SessionManager, version: string, readiness?: () => Promise<ReadinessState>) =>
  new Elysia({ tags: ["health"] })
    .get("/", () => ({ name: "mcp-station", version, openapi: "/openapi/json" }), {
      response: { 200: t.Object({ name: t.String(), version: t.String(), openapi: t.String() }) },
      detail: { summary: "About this station: its name, version and where its OpenAPI document is" },
    })
    .get("/healthz", () => ({ status: "ok" as const }), {
      response: { 200: t.Object({ status: t.Literal("ok") }) },
      detail: { summary: "Liveness" },
    })
    .get(
      "/readyz",
      async ({ set }) => {
        const state: ReadinessState = readiness ? await readiness() : { ready: true, store: "off", restore: "off" };
        const body = { sessions: manager.activeCount, store: state.store, restore: state.restore };
        if (manager.shuttingDown) {
          set.status = 503;
          return { status: "shutting_down" as const, reason: "the station is shutting down", ...body };
        }
        if (!state.ready) {
          set.status = 503;
          const reason =
            state.reason ?? (state.store === "unreachable" ? "the session store does not answer" : "restoring the previous run's sessions");
          return { status: "not_ready" as const, reason, ...body };
        }
        return { status: "ready" as const, ...body };
      },
      {
        response: { 200: ReadyBody, 503: ReadyBody },
        detail: {
          summary: "Readiness",
          description:
            "503 while shutting down, when the session store does not answer, or while the previous run's sessions are being restored (restore: running); reason says which.",
        },
      },
    );
