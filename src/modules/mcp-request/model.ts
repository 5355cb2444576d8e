/** TypeBox models of POST /mcp/request. Field names are the seed's contract. */
import { t } from "elysia";
import { ErrorBody } from "../../http/shared-models.ts";

export const McpRequestBody = t.Object(
  {
    session_id: t.String({ minLength: 1 }),
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
  },
  { additionalProperties: false },
);

export const McpSuccess = t.Object({
  success: t.Literal(true),
  data: t.Any({ description: "The JSON-RPC result; null for a notification" }),
});

/** HTTP 200 carries either the result or the server's own JSON-RPC error. */
export const McpAnswer = t.Union([McpSuccess, ErrorBody]);
