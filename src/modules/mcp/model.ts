/** TypeBox models of POST /mcp/request. Field names are the seed's contract. */
import { t } from "elysia";
import { ErrorBody } from "../shared-models.ts";

export const McpRequestBody = t.Object(
  {
    session_id: t.String({ minLength: 1 }),
    method: t.String({ minLength: 1, maxLength: 256, description: "An MCP method, e.g. tools/list; notifications/* are sent without waiting" }),
    params: t.Optional(t.Record(t.String(), t.Any())),
    timeout_ms: t.Optional(t.Integer({ minimum: 1, description: "This request's deadline; capped by MCP_STATION_MAX_REQUEST_TIMEOUT_MS" })),
    // Tolerated so that a caller posting a whole JSON-RPC message works; the station uses its own ids.
    jsonrpc: t.Optional(t.Literal("2.0")),
    id: t.Optional(t.Union([t.String(), t.Number(), t.Null()])),
  },
  { additionalProperties: false },
);

export const McpSuccess = t.Object({
  success: t.Literal(true),
  data: t.Any({ description: "The JSON-RPC result; null for a notification" }),
});

/** HTTP 200 carries either the result or the server's own JSON-RPC error. */
export const McpAnswer = t.Union([McpSuccess, ErrorBody]);
