/** TypeBox models shared by several modules: the error body every failure answers with, the registry version in force. */
import { type TSchema, t } from "elysia";
import { RpcCode } from "../errors.ts";

export const ErrorBody = t.Object(
  {
    success: t.Literal(false),
    error: t.Object({
      code: t.Integer({
        description: `JSON-RPC error code: the server's own, or the station's (${RpcCode.SessionNotFound} to ${RpcCode.ToolWithheld})`,
      }),
      message: t.String(),
      data: t.Optional(t.Any({ description: "For station errors, `type` names the failure" })),
    }),
  },
  { description: "A failure: a JSON-RPC error from the server, or the station's own" },
);

/**
 * The header that names a session for a load balancer: POST /sessions answers with it (the balancer
 * learns the node that runs the new session), and requests may carry it (the balancer hashes it, or finds
 * the session's node in its stick table); on a request it must name the request's session.
 */
export const SESSION_HEADER = "mcp-station-session";

export const SessionIdParams = t.Object({ session_id: t.String({ description: "The session's id" }) });

/**
 * OpenAPI response objects for `detail.responses`: the schemas appear in the
 * document without Elysia checking every answer against them (for hot routes).
 */
export function documentedResponses(
  schemas: Record<number, TSchema>,
): Record<string, { description: string; content: { "application/json": { schema: TSchema } } }> {
  const out: Record<string, { description: string; content: { "application/json": { schema: TSchema } } }> = {};
  for (const [status, schema] of Object.entries(schemas)) {
    out[status] = { description: schema.description ?? `Response for status ${status}`, content: { "application/json": { schema } } };
  }
  return out;
}

/** Which version of the registry file is in force: GET /servers, and GET /access for the rules it holds. */
export const RegistryStatusInfo = t.Object(
  {
    file: t.Nullable(t.String()),
    version: t.Integer({ description: "1 for the file read at start, one more for each reload that changed it" }),
    loaded_at: t.String(),
    sha256: t.Nullable(t.String({ description: "Of the file in force" })),
    last_error: t.Nullable(
      t.Object({ at: t.String(), message: t.String() }, { description: "Why the last reload was refused, until one succeeds" }),
    ),
    reloads: t.Object({ ok: t.Integer(), failed: t.Integer() }),
  },
  { description: "Which version of the registry file is in force (docs/groups.md, Reload)" },
);
