/** TypeBox models of POST /mcp/request and its path form. Field names are the seed's contract. */
import { t } from "elysia";
import { ErrorBody } from "../../http/shared-models.ts";

export { SESSION_HEADER } from "../../http/shared-models.ts";

const SessionId = t.String({ minLength: 1 });

/** Every field but the session's id, shared by both forms. */
const requestFields = {
  method: t.String({
    minLength: 1,
    maxLength: 256,
    description: "An MCP method, e.g. tools/list; notifications/* are sent without waiting",
  }),
  params: t.Optional(t.Record(t.String(), t.Any())),
  // Not t.Integer: Elysia makes that a Transform, and a Transform makes every body go through
  // TypeBox's slow Decode walk (bench/: a tenth of the route's time). Same values accepted, numeric strings too.
  timeout_ms: t.Optional(
    t.Union([t.Number({ multipleOf: 1, minimum: 1 }), t.String({ pattern: "^0*[1-9][0-9]*$" })], {
      description: "This request's deadline in ms (a whole number); capped by MCP_STATION_MAX_REQUEST_TIMEOUT_MS",
    }),
  ),
  // Tolerated so that a caller posting a whole JSON-RPC message works; the station uses its own ids.
  jsonrpc: t.Optional(t.Literal("2.0")),
  id: t.Optional(t.Union([t.String(), t.Number(), t.Null()])),
};

export const McpRequestBody = t.Object({ session_id: SessionId, ...requestFields }, { additionalProperties: false });

/** POST /sessions/{session_id}/request: the path names the session; a session_id in the body, if any, must name the same. */
export const SessionRequestBody = t.Object(
  { session_id: t.Optional(t.String({ minLength: 1, description: "Optional; when present, the path's session id" })), ...requestFields },
  { additionalProperties: false },
);

export type McpRequestFields = Omit<typeof McpRequestBody.static, "session_id">;

export const McpSuccess = t.Object({
  success: t.Literal(true),
  data: t.Any({ description: "The JSON-RPC result; null for a notification" }),
});

/** HTTP 200 carries either the result or the server's own JSON-RPC error. */
export const McpAnswer = t.Union([McpSuccess, ErrorBody]);
