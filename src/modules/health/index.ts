/**
 * Liveness and readiness. /healthz answers while the process runs;
 * /readyz answers 503 once shutdown has begun or while the session store
 * cannot be reached.
 */
import { Elysia, t } from "elysia";
import type { SessionManager } from "../../sessions/manager.ts";

const ReadyBody = t.Object({
  status: t.UnionEnum(["ready", "not_ready", "shutting_down"]),
  sessions: t.Integer(),
  store: t.Optional(t.UnionEnum(["ok", "unreachable", "off"], { description: "The session store (MCP_STATION_DATA_DIR or MCP_STATION_DATABASE_URL)" })),
  restore: t.Optional(t.UnionEnum(["pending", "running", "done", "off"])),
});

export interface ReadinessState {
  ready: boolean;
  store: "ok" | "unreachable" | "off";
  restore: "pending" | "running" | "done" | "off";
}

export const healthModule = (manager: SessionManager, version: string, readiness?: () => Promise<ReadinessState>) =>
  new Elysia({ tags: ["health"] })
    .get("/", () => ({ name: "mcp-station", version, docs: "/openapi", openapi: "/openapi/json" }), {
      detail: { summary: "About this station" },
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
          return { status: "shutting_down" as const, ...body };
        }
        if (!state.ready) {
          set.status = 503;
          return { status: "not_ready" as const, ...body };
        }
        return { status: "ready" as const, ...body };
      },
      {
        response: { 200: ReadyBody, 503: ReadyBody },
        detail: {
          summary: "Readiness",
          description: "503 while shutting down or when the session store does not answer; restore says whether sessions of the previous run are still being brought back.",
        },
      },
    );
