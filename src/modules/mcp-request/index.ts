/**
 * The seed's request router: POST /mcp/request sends one MCP request to a
 * session's server and answers {"success": true, "data": result}. Its path
 * form, POST /sessions/{session_id}/request, takes the same body without the
 * session's id and answers the same: a load balancer cannot read a body, but
 * it can hash a path (or the Mcp-Station-Session header, accepted on both),
 * and so send every request of a session to the one node that runs it.
 *
 * @example
 *   curl -X POST localhost:20100/mcp/request -H 'content-type: application/json' \
 *     -d '{"session_id":"…","method":"tools/list","params":{}}'
 *   curl -X POST localhost:20100/sessions/…/request -H 'content-type: application/json' \
 *     -d '{"method":"tools/list","params":{}}'
 */
import { Elysia } from "elysia";
import { BadRequest, RemoteError, toErrorBody } from "../../errors.ts";
import { ErrorBody, SessionIdParams, documentedResponses } from "../../http/shared-models.ts";
import { RawJson } from "../../jsonrpc/raw-json.ts";
import { callerOf } from "../../plugins/auth.ts";
import { MAX_BODY_DEPTH, exceedsDepth } from "../../security/json-depth.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import { McpAnswer, type McpRequestFields, McpRequestBody, McpSuccess, SESSION_HEADER, SessionRequestBody } from "./model.ts";

const OPEN = new TextEncoder().encode('{"success":true,"data":');
const CLOSE = new TextEncoder().encode("}");

/**
 * {"success":true,"data":<the result's own JSON text>}, never turned into a string. Returned as bytes,
 * not as a Response: Elysia re-wraps a Response around its body stream, which sent 16 MiB several times slower.
 */
function rawAnswer(data: RawJson, headers: Record<string, string | number>): Uint8Array {
  headers["content-type"] = "application/json";
  return data.wrap(OPEN, CLOSE);
}

/** A request naming two sessions is refused rather than sent to either: the balancer routed it by one, the station would run it on the other. */
function refuseDisagreement(sessionId: string, other: string | null | undefined, where: string): void {
  if (other != null && other !== sessionId) throw new BadRequest(`${where} names session ${other}, not ${sessionId}`);
}

interface Exchange {
  set: { status?: number | string; headers: Record<string, string | number> };
  request: Request;
}

async function answer(manager: SessionManager, sessionId: string, body: McpRequestFields, { set, request }: Exchange) {
  // params travel to the server as they are: refuse what no MCP request needs and a recursive parser may choke on.
  if (exceedsDepth(body.params, MAX_BODY_DEPTH)) throw new BadRequest(`params nest deeper than ${MAX_BODY_DEPTH} levels`);
  // Another tenant's session is not found: a guessed or forged session_id reaches nothing.
  const caller = callerOf(request);
  const session = manager.get(sessionId, caller);
  if (body.method.startsWith("notifications/")) {
    session.notify(body.method, body.params);
    set.status = 202;
    return { success: true as const, data: null };
  }
  try {
    const data = await session.request(body.method, body.params, {
      timeoutMs: body.timeout_ms === undefined ? undefined : Number(body.timeout_ms),
      // A caller that hangs up withdraws its request: the server is told to stop working on it.
      signal: request.signal,
      raw: true,
      caller,
    });
    // A large result is written out as the server wrote it, without a parse and a stringify (raw-json.ts).
    if (data instanceof RawJson) return rawAnswer(data, set.headers);
    return { success: true as const, data };
  } catch (error) {
    // The server's own JSON-RPC error is its answer, not a station failure: 200 with success false.
    if (error instanceof RemoteError) return toErrorBody(error).body;
    throw error;
  }
}

const RESPONSES = documentedResponses({
  200: McpAnswer,
  202: McpSuccess,
  400: ErrorBody,
  401: ErrorBody,
  403: ErrorBody,
  404: ErrorBody,
  409: ErrorBody,
  422: ErrorBody,
  429: ErrorBody,
  502: ErrorBody,
  503: ErrorBody,
  504: ErrorBody,
});

// Documented, not validated (Elysia's header check would run on every request of the hottest route): the handlers compare it.
const SESSION_HEADER_PARAMETER = {
  name: "Mcp-Station-Session",
  in: "header" as const,
  required: false,
  schema: { type: "string" as const },
  description: "The session's id, for a load balancer to hash; when present it must name the request's session (else 400).",
};

const ANSWERS =
  "Answers the server's result as data, or its JSON-RPC error with success false (HTTP 200). Station failures use the same error shape with 404, 409, 502, 504, 429 or 503.";

export const mcpModule = (manager: SessionManager) =>
  new Elysia({ tags: ["mcp"] })
    .post(
      "/mcp/request",
      ({ body, set, request }) => {
        refuseDisagreement(body.session_id, request.headers.get(SESSION_HEADER), "the Mcp-Station-Session header");
        return answer(manager, body.session_id, body, { set, request });
      },
      {
        body: McpRequestBody,
        detail: {
          // Documented, not validated: checking every answer against a Union cost more than the rest of
          // the route (bench/: c=64 throughput); the handler's return type and toErrorBody fix the shape.
          responses: RESPONSES,
          parameters: [SESSION_HEADER_PARAMETER],
          summary: "Send an MCP request to a session",
          description: ANSWERS,
        },
      },
    )
    .post(
      "/sessions/:session_id/request",
      ({ params, body, set, request }) => {
        refuseDisagreement(params.session_id, body.session_id, "the body's session_id");
        refuseDisagreement(params.session_id, request.headers.get(SESSION_HEADER), "the Mcp-Station-Session header");
        return answer(manager, params.session_id, body, { set, request });
      },
      {
        params: SessionIdParams,
        body: SessionRequestBody,
        detail: {
          responses: RESPONSES,
          parameters: [SESSION_HEADER_PARAMETER],
          summary: "Send an MCP request to a session (path form)",
          description: `POST /mcp/request with the session's id in the path, where a load balancer can hash it; the body's session_id may be left out. ${ANSWERS}`,
        },
      },
    );
