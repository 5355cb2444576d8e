/**
 * Liveness and readiness. /healthz answers while the process runs;
 * /readyz answers 503 once shutdown has begun.
 */
import { Elysia, t } from "elysia";
import type { SessionManager } from "../../sessions/manager.ts";

export const healthModule = (manager: SessionManager, version: string) =>
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
      ({ set }) => {
        if (manager.shuttingDown) {
          set.status = 503;
          return { status: "shutting_down", sessions: manager.activeCount };
        }
        return { status: "ready", sessions: manager.activeCount };
      },
      {
        response: { 200: t.Object({ status: t.String(), sessions: t.Integer() }), 503: t.Object({ status: t.String(), sessions: t.Integer() }) },
        detail: { summary: "Readiness" },
      },
    );
