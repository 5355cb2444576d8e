/**
 * Step-up authorization on the MCP endpoints (MCP specification 2025-11-25,
 * authorization, "Scope Challenge Handling"): a tools/call the access rules
 * refuse, from an OAuth token that one more scope would make allowed, is
 * answered HTTP 403 with `WWW-Authenticate: Bearer error="insufficient_scope",
 * scope="…", resource_metadata="…"` instead of a JSON-RPC -32017 in a 200, so
 * the client can authorize again for that scope and retry.
 *
 * The challenge's `scope` holds the scopes the token has, the station's
 * required ones and the new one, as the specification recommends: clients
 * (the official TypeScript SDK among them) ask for exactly the scopes a
 * challenge names, and a token for the new scope alone would lose the others.
 *
 * A refusal no scope would lift stays -32017 in a 200, as do refusals of API
 * keys and of local callers, and every refusal on the REST API and the
 * WebSocket.
 *
 * @example
 *   const challenge = scopeChallenge(resource);
 *   challenge?.(session, request, message)  // a 403 Response, or undefined to carry on
 */
import { AccessDenied } from "../../errors.ts";
import type { JsonRpcRequest } from "../../jsonrpc/messages.ts";
import { callerOf, pathOf } from "../../plugins/auth.ts";
import { byToken } from "../../security/caller.ts";
import type { ProtectedResource } from "../../security/oauth.ts";
import { serverLabel } from "../../sessions/session-meters.ts";
import type { Session } from "../../sessions/session.ts";
import { gateReply } from "./replies.ts";

export type ScopeChallenge = (session: Session, request: Request, message: JsonRpcRequest) => Response | undefined;

/** The step-up check of the MCP endpoints; undefined without OAuth, so a station without it pays nothing. */
export function scopeChallenge(resource: ProtectedResource | undefined): ScopeChallenge | undefined {
  if (!resource) return undefined;
  return (session, request, message) => {
    if (message.method !== "tools/call") return undefined;
    const caller = callerOf(request);
    if (!byToken(caller)) return undefined;
    const params = message.params as Record<string, unknown> | undefined;
    const tool = typeof params?.name === "string" ? params.name : "";
    const scope = session.scopeToCallTool(tool, caller);
    if (scope === undefined) return undefined;
    const server = session.spec.server ?? serverLabel(session.spec);
    const description = `the tool ${tool} needs the scope ${scope}`;
    const error = new AccessDenied(`tool ${JSON.stringify(tool)} of ${server} needs the scope ${scope}, which the token lacks`, {
      tool,
      server,
      required_scope: scope,
    });
    const wanted = [...new Set([...resource.settings.scopes, ...(caller.scopes ?? []), scope])];
    error.headers = {
      "www-authenticate": resource.challenge(pathOf(request.url), { error: "insufficient_scope", description, scope: wanted }),
    };
    return gateReply(message.id, error);
  };
}
