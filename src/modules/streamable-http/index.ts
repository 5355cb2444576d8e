/**
 * A standard MCP endpoint for every session, /sessions/{id}/mcp: Streamable
 * HTTP for clients of both protocol eras, whatever era the server behind
 * speaks. A POST whose `_meta` (or MCP-Protocol-Version header) names a
 * 2026-07-28 version is a modern, stateless request (modern.ts); anything
 * else is a legacy client with its Mcp-Session-Id (legacy.ts). The same
 * endpoint at a fixed URL per registered server or group, /servers/{name}/mcp,
 * starts a session for each legacy client's initialize and serves modern
 * requests from a pool of processes (server-pool.ts). The auth gate
 * has already checked the credential and Origin (DNS rebinding), and the
 * session is looked up with the caller's identity, as the REST API does.
 *
 * @example
 *   curl -X POST localhost:20100/sessions/$ID/mcp -H 'content-type: application/json' \
 *     -H 'accept: application/json, text/event-stream' \
 *     -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}'
 */
import { Elysia, t } from "elysia";
import {
  AccessDenied,
  InvalidJson,
  InvalidRequest,
  McpSessionIdRequired,
  McpSessionNotFound,
  NotFound,
  SessionNotFound,
  UnsupportedMediaType,
} from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import type { GroupEntry } from "../../registry/groups.ts";
import type { ServerEntry } from "../../registry/registry.ts";
import { type PoolSettings, ServerPools } from "./server-pool.ts";
import { type JsonRpcRequest, classify } from "../../jsonrpc/messages.ts";
import { META, isModernVersion } from "../../protocol/versions.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { Caller } from "../../security/caller.ts";
import { bodyTooLarge, isBodyOverLimit } from "../../plugins/errors.ts";
import { MAX_BODY_DEPTH, exceedsDepth } from "../../security/json-depth.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import type { Session } from "../../sessions/session.ts";
import { SessionIdParams } from "../../http/shared-models.ts";
import { type EndpointSettings, LegacyEndpoint } from "./legacy.ts";
import { ModernEndpoint } from "./modern.ts";
import { accepted, errorReply } from "./replies.ts";
import { scopeChallenge } from "./scope-challenge.ts";
import type { ProtectedResource } from "../../security/oauth.ts";

export type { EndpointSettings } from "./legacy.ts";

export type ParsedMessage = Exclude<ReturnType<typeof classify>, { kind: "invalid" }> & { params: Record<string, unknown> | undefined };

/** Reads one JSON-RPC message from a POST body; a Response is the transport's error answer. */
export async function readMessage(request: Request): Promise<ParsedMessage | Response> {
  const type = (request.headers.get("content-type") ?? "").toLowerCase();
  if (!type.startsWith("application/json")) return errorReply(null, new UnsupportedMediaType());
  let value: unknown;
  try {
    value = JSON.parse(await request.text());
  } catch (cause) {
    // Bun has answered 413 already (see isBodyOverLimit); thrown, the station's log and metrics say so too.
    if (isBodyOverLimit(cause)) throw bodyTooLarge(cause);
    return errorReply(null, new InvalidJson("Parse error: the body is not valid JSON", { cause }));
  }
  if (exceedsDepth(value, MAX_BODY_DEPTH))
    return errorReply(null, new InvalidRequest(`the body nests deeper than ${MAX_BODY_DEPTH} levels`));
  if (Array.isArray(value)) return errorReply(null, new InvalidRequest("Invalid Request: JSON-RPC batches are not supported"));
  const sorted = classify(value);
  if (sorted.kind === "invalid") return errorReply(null, new InvalidRequest(`Invalid Request: ${sorted.reason}`));
  const params = ("params" in sorted.message ? sorted.message.params : undefined) as Record<string, unknown> | undefined;
  return { ...sorted, params } as ParsedMessage;
}

/** 2026-07-28 has no client notifications or responses on HTTP: a notification is accepted and dropped, a response refused. */
function notARequest(parsed: ParsedMessage): Response {
  return parsed.kind === "notification" ? accepted() : errorReply(null, new InvalidRequest("Invalid Request: responses are not accepted"));
}

/** A message in the 2026-07-28 shape: its envelope (or its header) names a modern version. */
export function isModernMessage(parsed: ParsedMessage, request: Request): boolean {
  const claimed = (parsed.params?._meta as Record<string, unknown> | undefined)?.[META.protocolVersion];
  const header = request.headers.get("mcp-protocol-version");
  return claimed !== undefined || (header !== null && isModernVersion(header));
}

const PATH = "/sessions/:session_id/mcp";
const SERVER_PATH = "/servers/:name/mcp";
const ServerNameParams = t.Object({ name: t.String({ description: "A registered server's name (GET /servers)" }) });

export interface RegistryEndpoints {
  registry: Map<string, ServerEntry>;
  /** The registry's groups, served here like its servers (docs/groups.md). */
  groups?: Map<string, GroupEntry>;
  pool: PoolSettings;
  log: Logger;
}

/** @param resource with OAuth on, the station as a protected resource: a tool or server one more scope would allow is a step-up challenge (scope-challenge.ts). */
export const mcpEndpointModule = (
  manager: SessionManager,
  settings: EndpointSettings,
  registered?: RegistryEndpoints,
  resource?: ProtectedResource,
) => {
  // Unknown failures are masked to clients and logged here in full: app.ts hands its logger over with the registry.
  const log = settings.log ?? registered?.log ?? silentLogger;
  const legacy = new LegacyEndpoint(settings, log);
  const modern = new ModernEndpoint(settings, log);
  const pools = registered ? new ServerPools(manager, registered.pool, registered.log) : undefined;
  const stepUp = scopeChallenge(resource, manager);
  /** Station sessions a legacy client's initialize on /servers/{name}/mcp started: they end with its MCP session. */
  const startedForClient = new Set<string>();
  legacy.onForget = (client) => {
    if (startedForClient.delete(client.session.id)) void manager.delete(client.session.id).catch(() => {});
  };

  const post = async (session: Session, request: Request): Promise<Response> => {
    const parsed = await readMessage(request);
    return parsed instanceof Response ? parsed : dispatch(session, request, parsed);
  };

  const dispatch = (session: Session, request: Request, sorted: ParsedMessage): Promise<Response> | Response => {
    const params = sorted.params;
    if (isModernMessage(sorted, request)) {
      if (sorted.kind !== "request") return notARequest(sorted);
      return stepUp?.tool(session, request, sorted.message) ?? modern.post(session, request, sorted.message);
    }
    if (sorted.kind === "request" && sorted.message.method === "initialize") return legacy.initialize(session, request, sorted.message);
    const client = legacy.lookup(session, request);
    if (client instanceof Response) return client;
    // After the lookup: an unknown Mcp-Session-Id is the transport's 404 whatever it asks.
    const challenge = sorted.kind === "request" ? stepUp?.tool(session, request, sorted.message) : undefined;
    if (challenge) return challenge;
    switch (sorted.kind) {
      case "notification":
        return legacy.notification(client, sorted.message.method, params);
      case "response": {
        const response = sorted.message;
        client.answer(
          response.id as string,
          "result" in response ? response.result : undefined,
          "error" in response ? response.error : undefined,
        );
        return accepted({ "mcp-session-id": client.id });
      }
      default:
        return legacy.request(client, request, sorted.message as JsonRpcRequest);
    }
  };

  const session = (params: { session_id: string }, request: Request) => manager.get(params.session_id, callerOf(request));

  /** /servers/{name}/mcp: a legacy client's initialize starts its own session; modern requests go to the pool. */
  const postToServer = async (name: string, request: Request): Promise<Response> => {
    const caller = callerOf(request);
    if (!registered?.registry.has(name) && !registered?.groups?.has(name))
      throw new NotFound(`no registered server named ${name} (GET /servers)`);
    // Checked on every request, not only at a start: a pooled process of the tenant may already run.
    mayUse(name, request, caller);
    const parsed = await readMessage(request);
    if (parsed instanceof Response) return parsed;
    if (isModernMessage(parsed, request)) {
      if (parsed.kind !== "request") return notARequest(parsed);
      const parked = modern.sessionOfState(parsed.params?.requestState);
      const target = parked && parked.spec.server === name ? parked : await pools!.acquire(name, caller);
      return dispatch(target, request, parsed);
    }
    if (parsed.kind === "request" && parsed.message.method === "initialize") {
      const declared = ((parsed.params?.capabilities ?? {}) as Record<string, unknown>) ?? {};
      const created = await manager.create(
        {
          server: name,
          // Tied to this client's Mcp-Session-Id, which a station restart ends: nothing to restore.
          ephemeral: true,
          client_capabilities: {
            ...(declared.sampling ? { sampling: {} } : {}),
            ...(declared.elicitation ? { elicitation: {} } : {}),
          },
        },
        caller,
      );
      startedForClient.add(created.id);
      const answer = await dispatch(created, request, parsed);
      if (!answer.ok) {
        startedForClient.delete(created.id);
        await manager.delete(created.id);
      }
      return answer;
    }
    return withServerSession(name, request, (session) => dispatch(session, request, parsed));
  };

  /** Refuses a server the rules do not give the caller; with a challenge when one more scope of its token would. */
  const mayUse = (name: string, request: Request, caller: Caller) => {
    try {
      manager.checkMayStart(name, caller);
    } catch (error) {
      throw (error instanceof AccessDenied && stepUp?.server(name, request)) || error;
    }
  };

  /**
   * The station session behind a legacy client's Mcp-Session-Id on /servers/{name}/mcp. Another tenant's
   * client is answered exactly like an unknown one, the transport's 404: the answer names no station session.
   */
  const serverSession = (name: string, request: Request): Session | Response => {
    const notFound = (cause?: unknown) => errorReply(null, new McpSessionNotFound({ cause }));
    const client = legacy.clientById(request.headers.get("mcp-session-id"));
    if (!client || client.session.spec.server !== name) return notFound();
    try {
      return manager.get(client.session.id, callerOf(request));
    } catch (error) {
      if (error instanceof SessionNotFound) return notFound(error);
      throw error;
    }
  };
  const withServerSession = (name: string, request: Request, use: (session: Session) => Promise<Response> | Response) => {
    const found = serverSession(name, request);
    return found instanceof Response ? found : use(found);
  };
  const missingSessionId = (request: Request) =>
    request.headers.get("mcp-session-id") ? undefined : errorReply(null, new McpSessionIdRequired());
  const detail = (summary: string, description: string) => ({ summary, description });

  return new Elysia({ name: "streamable-http", tags: ["mcp"] })
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
      detail: detail(
        "The legacy GET stream",
        "Server-initiated messages for a legacy client's MCP session; resumes a stream with Last-Event-ID.",
      ),
    })
    .delete(PATH, ({ params, request }) => legacy.delete(session(params, request), request), {
      params: SessionIdParams,
      detail: detail("End a legacy client's MCP session", "Ends the MCP session named by Mcp-Session-Id (the station session stays)."),
    })
    .post(SERVER_PATH, ({ params, request }) => postToServer(params.name, request), {
      parse: "none",
      params: ServerNameParams,
      detail: detail(
        "A registered server as a standard MCP endpoint",
        "Like /sessions/{id}/mcp, for a registry entry: a legacy client's initialize starts a station session of its own (ended by DELETE or idle time); modern stateless requests are spread over a pool of that server's processes (MCP_STATION_POOL_*).",
      ),
    })
    .get(
      SERVER_PATH,
      ({ params, request }) =>
        missingSessionId(request) ?? withServerSession(params.name, request, (session) => legacy.get(session, request)),
      {
        params: ServerNameParams,
        detail: detail("The legacy GET stream of a registered server's endpoint", "As on /sessions/{id}/mcp."),
      },
    )
    .delete(
      SERVER_PATH,
      ({ params, request }) =>
        missingSessionId(request) ?? withServerSession(params.name, request, (session) => legacy.delete(session, request)),
      {
        params: ServerNameParams,
        detail: detail(
          "End a legacy client's MCP session (and the station session it started)",
          "As on /sessions/{id}/mcp; the server process stops too.",
        ),
      },
    );
};
