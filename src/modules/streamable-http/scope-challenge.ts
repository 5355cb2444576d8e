/**
 * Step-up authorization on the MCP endpoints (MCP specification 2025-11-25,
 * authorization, "Scope Challenge Handling"): what the access rules refuse an
 * OAuth token that one more scope would make allowed is answered HTTP 403
 * with `WWW-Authenticate: Bearer error="insufficient_scope", scope="…",
 * resource_metadata="…"`, so the client can authorize again for that scope
 * and retry. Two refusals are challenged:
 * - a tools/call, instead of a JSON-RPC -32017 in a 200;
 * - a registered server (or group) on /servers/{name}/mcp, whose refusal
 *   (403 access_denied, from the manager) gains the challenge.
 *
 * The challenge's `scope` holds the scopes the token has, the station's
 * required ones and the new one, as the specification recommends: clients
 * (the official TypeScript SDK among them) ask for exactly the scopes a
 * challenge names, and a token for the new scope alone would lose the others.
 *
 * A refusal no scope would lift is answered as before, as are refusals of API
 * keys and of local callers, and every refusal on the REST API (POST /sessions
 * included) and the WebSocket.
 *
 * @example
 *   const stepUp = scopeChallenge(resource, manager);
 *   stepUp?.tool(session, request, message)  // a 403 Response, or undefined to carry on
 *   stepUp?.server("files", request)         // an AccessDenied carrying the challenge, or undefined
 */
import { AccessDenied } from "../../errors.ts";
import type { JsonRpcRequest } from "../../jsonrpc/messages.ts";
import { callerOf, pathOf } from "../../plugins/auth.ts";
import { type Caller, byToken } from "../../security/caller.ts";
import type { ProtectedResource } from "../../security/oauth.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import { serverLabel } from "../../sessions/session-meters.ts";
import type { Session } from "../../sessions/session.ts";
import { gateReply } from "./replies.ts";

export interface ScopeChallenge {
  /** A tools/call one more scope would allow: the 403 with the challenge, or undefined to carry on. */
  tool(session: Session, request: Request, message: JsonRpcRequest): Response | undefined;
  /** A registered server the rules refuse that one more scope would give: the refusal to throw, with the challenge. */
  server(name: string, request: Request): AccessDenied | undefined;
}

/** The step-up checks of the MCP endpoints; undefined without OAuth, so a station without it pays nothing. */
export function scopeChallenge(resource: ProtectedResource | undefined, manager: SessionManager): ScopeChallenge | undefined {
  if (!resource) return undefined;
  /** `refusal` with the challenge for `scope` as its WWW-Authenticate header. */
  const challenged = (refusal: AccessDenied, request: Request, caller: Caller, scope: string, description: string) => {
    const wanted = [...new Set([...resource.settings.scopes, ...(caller.scopes ?? []), scope])];
    refusal.headers = {
      "www-authenticate": resource.challenge(pathOf(request.url), { error: "insufficient_scope", description, scope: wanted }),
    };
    return refusal;
  };
  return {
    tool(session, request, message) {
      if (message.method !== "tools/call") return undefined;
      const caller = callerOf(request);
      if (!byToken(caller)) return undefined;
      const params = message.params as Record<string, unknown> | undefined;
      const tool = typeof params?.name === "string" ? params.name : "";
      const scope = session.scopeToCallTool(tool, caller);
      if (scope === undefined) return undefined;
      const server = session.spec.server ?? serverLabel(session.spec);
      const refusal = new AccessDenied(`tool ${JSON.stringify(tool)} of ${server} needs the scope ${scope}, which the token lacks`, {
        tool,
        server,
        required_scope: scope,
      });
      return gateReply(message.id, challenged(refusal, request, caller, scope, `the tool ${tool} needs the scope ${scope}`));
    },
    server(name, request) {
      const caller = callerOf(request);
      if (!byToken(caller)) return undefined;
      const scope = manager.scopeToStart(name, caller);
      if (scope === undefined) return undefined;
      const refusal = new AccessDenied(`server ${name} needs the scope ${scope}, which the token lacks`, {
        server: name,
        required_scope: scope,
      });
      return challenged(refusal, request, caller, scope, `the server ${name} needs the scope ${scope}`);
    },
  };
}
