/**
 * A standard MCP endpoint for every session, /sessions/{id}/mcp: Streamable
 * HTTP for clients of both protocol eras, whatever era the server behind
 * speaks. A POST whose `_meta` (or MCP-Protocol-Version header) names a
 * 2026-07-28 version is a modern, stateless request (modern.ts); anything
 * else is a legacy client with its Mcp-Session-Id (legacy.ts). The auth gate
 * has already checked the credential and Origin (DNS rebinding), and the
 * session is looked up with the caller's identity, as the REST API does.
 *
 * @example
 *   curl -X POST localhost:20100/sessions/$ID/mcp -H 'content-type: application/json' \
 *     -H 'accept: application/json, text/event-stream' \
 *     -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
 */
import { Elysia } from "elysia";
import { ErrorCode, type JsonRpcRequest, classify } from "../../jsonrpc/messages.ts";
import { META, isModernVersion } from "../../mcp/versions.ts";
import { callerOf } from "../../plugins/auth.ts";
import { MAX_BODY_DEPTH, exceedsDepth } from "../../security/json-depth.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import type { Session } from "../../sessions/session.ts";
import { SessionIdParams } from "../shared-models.ts";
import { type EndpointSettings, LegacyEndpoint } from "./legacy.ts";
import { ModernEndpoint } from "./modern.ts";
import { accepted, rpcError } from "./replies.ts";

export type { EndpointSettings } from "./legacy.ts";

const PATH = "/sessions/:session_id/mcp";

export const mcpEndpointModule = (manager: SessionManager, settings: EndpointSettings) => {
  const legacy = new LegacyEndpoint(settings);
  const modern = new ModernEndpoint(settings);

  const post = async (session: Session, request: Request): Promise<Response> => {
    const type = (request.headers.get("content-type") ?? "").toLowerCase();
    if (!type.startsWith("application/json")) return rpcError(null, -32000, "Unsupported Media Type: Content-Type must be application/json", 415);
    let value: unknown;
    try {
      value = JSON.parse(await request.text());
    } catch {
      return rpcError(null, ErrorCode.ParseError, "Parse error: the body is not valid JSON", 400);
    }
    if (exceedsDepth(value, MAX_BODY_DEPTH)) return rpcError(null, ErrorCode.InvalidRequest, `the body nests deeper than ${MAX_BODY_DEPTH} levels`, 400);
    if (Array.isArray(value)) return rpcError(null, ErrorCode.InvalidRequest, "Invalid Request: JSON-RPC batches are not supported", 400);
    const sorted = classify(value);
    if (sorted.kind === "invalid") return rpcError(null, ErrorCode.InvalidRequest, `Invalid Request: ${sorted.reason}`, 400);
    const message = sorted.message;
    const params = ("params" in message ? message.params : undefined) as Record<string, unknown> | undefined;
    const claimed = (params?._meta as Record<string, unknown> | undefined)?.[META.protocolVersion];
    const header = request.headers.get("mcp-protocol-version");
    const isModern = claimed !== undefined || (header !== null && isModernVersion(header));
    if (isModern) {
      // 2026-07-28 has no client notifications or responses on HTTP: accepted and dropped.
      if (sorted.kind !== "request") return sorted.kind === "notification" ? accepted() : rpcError(null, ErrorCode.InvalidRequest, "Invalid Request: responses are not accepted", 400);
      return modern.post(session, request, sorted.message);
    }
    if (sorted.kind === "request" && sorted.message.method === "initialize") {
      if (session.status !== "running" || !session.identity) return rpcError(sorted.message.id, -32002, `session ${session.id} is ${session.status}`, 409);
      return legacy.initialize(session, request, sorted.message);
    }
    const client = legacy.lookup(session, request);
    if (client instanceof Response) return client;
    switch (sorted.kind) {
      case "notification":
        return legacy.notification(client, sorted.message.method, params);
      case "response": {
        const response = sorted.message;
        client.answer(response.id as string, "result" in response ? response.result : undefined, "error" in response ? response.error : undefined);
        return accepted({ "mcp-session-id": client.id });
      }
      default:
        return legacy.request(client, request, sorted.message as JsonRpcRequest);
    }
  };

  const session = (params: { session_id: string }, request: Request) => manager.get(params.session_id, callerOf(request));
  const detail = (summary: string, description: string) => ({ summary, description });

  return new Elysia({ name: "mcp-endpoint", tags: ["mcp"] })
    .post(PATH, ({ params, request }) => post(session(params, request), request), {
      // The body is read here, not by Elysia: a malformed one is a JSON-RPC parse error, not a validation failure.
      parse: "none",
      params: SessionIdParams,
      detail: detail(
        "The session as a standard MCP endpoint (Streamable HTTP)",
        "One JSON-RPC message per POST. Legacy clients (2025-03-26 .. 2025-11-25) initialize and use Mcp-Session-Id; modern clients (2026-07-28) send stateless requests with the _meta envelope and the Mcp-Method / Mcp-Name headers.",
      ),
    })
    .get(PATH, ({ params, request }) => legacy.get(session(params, request), request), {
      params: SessionIdParams,
      detail: detail("The legacy GET stream", "Server-initiated messages for a legacy client's MCP session; resumes a stream with Last-Event-ID."),
    })
    .delete(PATH, ({ params, request }) => legacy.delete(session(params, request), request), {
      params: SessionIdParams,
      detail: detail("End a legacy client's MCP session", "Ends the MCP session named by Mcp-Session-Id (the station session stays)."),
    });
};
