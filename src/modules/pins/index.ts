/**
 * Pinned tools, for admins: GET /pins lists the approved fingerprint of each
 * registered server's tools; GET /pins/changes shows each tool definition
 * withheld because it differs from the approved one (both definitions and
 * which fields differ); POST /pins/approve takes the new definition by its
 * fingerprint, so an admin approves exactly what they saw.
 *
 * @example
 *   curl localhost:20100/pins
 *   curl localhost:20100/pins/changes
 *   curl -X POST localhost:20100/pins/approve -H 'content-type: application/json' \
 *     -d '{"server":"files","tool":"read","fingerprint":"sha256:…"}'
 */
import { Elysia } from "elysia";
import { Forbidden, NotFound } from "../../errors.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import type { ToolPins } from "../../pins/tool-pins.ts";
import { callerOf } from "../../plugins/auth.ts";
import { Approval, Approved, ChangeList, PinList } from "./model.ts";

function adminOnly(request: Request): void {
  if (!callerOf(request).admin) throw new Forbidden("pinned tools are reviewed by admins (MCP_STATION_ADMIN_KEYS or the JWT admin scope)");
}

export const pinsModule = (pins: ToolPins | undefined) =>
  new Elysia({ prefix: "/pins", tags: ["pins"] })
    .onBeforeHandle(({ request }) => {
      adminOnly(request);
      if (!pins) throw new NotFound("tool pinning is off (MCP_STATION_TOOL_PINNING=off)");
    })
    .get(
      "",
      async ({ query }) => {
        const servers = await pins!.pinned(query.server);
        return { servers, count: servers.length, mode: pins!.mode };
      },
      {
        query: PinList.query,
        response: { 200: PinList.response, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        detail: { summary: "The approved fingerprint of each registered server's tools" },
      },
    )
    .get(
      "/changes",
      ({ query }) => {
        const changes = pins!.changes(query.server);
        return { changes, count: changes.length, mode: pins!.mode };
      },
      {
        query: ChangeList.query,
        response: { 200: ChangeList.response, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody },
        detail: { summary: "Tool definitions withheld until an admin approves them" },
      },
    )
    .post("/approve", async ({ body }) => ({ approved: await pins!.approve(body.server, body.tool, body.fingerprint) }), {
      body: Approval,
      response: { 200: Approved, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody },
      detail: { summary: "Approve a withheld tool definition by its fingerprint" },
    });
