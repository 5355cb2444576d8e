/**
 * The seed's request router: POST /mcp/request sends one MCP request to a
 * session's server and answers {"success": true, "data": result}.
 *
 * @example
 *   curl -X POST localhost:20100/mcp/request -H 'content-type: application/json' \
 *     -d '{"session_id":"…","method":"tools/list","params":{}}'
 */
import { Elysia } from "elysia";
import { BadRequest, RemoteError, toErrorBody } from "../../errors.ts";
import { callerOf } from "../../plugins/auth.ts";
import { MAX_BODY_DEPTH, exceedsDepth } from "../../security/json-depth.ts";
import { RawJson } from "../../jsonrpc/raw-json.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import { ErrorBody, documentedResponses } from "../../http/shared-models.ts";
import { McpAnswer, McpRequestBody, McpSuccess } from "./model.ts";

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

export const mcpModule = (manager: SessionManager) =>
  new Elysia({ prefix: "/mcp", tags: ["mcp"] }).post(
    "/request",
    async ({ body, set, request }) => {
      // params travel to the server as they are: refuse what no MCP request needs and a recursive parser may choke on.
      if (exceedsDepth(body.params, MAX_BODY_DEPTH)) throw new BadRequest(`params nest deeper than ${MAX_BODY_DEPTH} levels`);
      // Another tenant's session is not found: a guessed or forged session_id reaches nothing.
      const caller = callerOf(request);
      const session = manager.get(body.session_id, caller);
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
    },
    {
      body: McpRequestBody,
      detail: {
        // Documented, not validated: checking every answer against a Union cost more than the rest of
        // the route (bench/: c=64 throughput); the handler's return type and toErrorBody fix the shape.
        responses: documentedResponses({
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
        }),
        summary: "Send an MCP request to a session",
        description:
          "Answers the server's result as data, or its JSON-RPC error with success false (HTTP 200). Station failures use the same error shape with 404, 409, 502, 504, 429 or 503.",
      },
    },
  );
