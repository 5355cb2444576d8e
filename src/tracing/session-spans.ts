/**
 * A session's life as spans: `session start` (spawn and handshake, under
 * the request that created the session, or under the restart), its child
 * `handshake` (the MCP initialize or server/discover exchange, with the era
 * and protocol version found), and `session restart` (a root span of its
 * own: no caller is waiting on a restart, so it joins no caller's trace).
 * Each carries `mcp.session.id`; none carries the command line or the
 * environment, which may hold secrets.
 *
 * @example
 *   const scope = startSessionSpan("session start", sessionId, { "mcp_station.server": "everything" });
 *   await inScope(scope, () => spawnAndHandshake());
 *   endScope(scope);
 */
import { type Attributes, ROOT_CONTEXT, SpanKind } from "@opentelemetry/api";
import { ATTR } from "./attributes.ts";
import { type Scope, startSpan } from "./spans.ts";

export type SessionSpanName = "session start" | "handshake" | "session restart";

export function startSessionSpan(name: SessionSpanName, sessionId: string, attributes: Attributes = {}): Scope | undefined {
  return startSpan(
    name,
    SpanKind.INTERNAL,
    { ...attributes, [ATTR.mcpSessionId]: sessionId },
    name === "session restart" ? ROOT_CONTEXT : undefined,
  );
}

/** What the handshake found: the era and the protocol version the server speaks. */
export function noteHandshake(scope: Scope | undefined, era: string | undefined, protocolVersion: string | undefined): void {
  if (!scope) return;
  if (era) scope.span.setAttribute(ATTR.stationEra, era);
  if (protocolVersion) scope.span.setAttribute(ATTR.mcpProtocolVersion, protocolVersion);
}
