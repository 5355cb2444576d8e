/**
 * The HTTP request as a SERVER span after the HTTP conventions: named
 * `POST /mcp/request` (method and route template), with
 * `http.request.method`, `url.path`, `url.scheme`, `http.route` and
 * `http.response.status_code`; a 5xx answer sets `error.type` and the ERROR
 * status (a 4xx is the caller's failure, not the server's, as the
 * conventions say). It continues the caller's `traceparent` and is made the
 * active span for the rest of the request, so the round trips to the server
 * and the log lines of the request fall under it. No header, query or body
 * is recorded.
 *
 * Each MCP message a client sends over the WebSocket or an MCP endpoint gets
 * a SERVER span of its own (`startMcpMessage`), under the caller's MCP span
 * from `params._meta` when it brought one.
 *
 * @example
 *   const scope = startHttpSpan(request);        // in onRequest
 *   endHttpSpan(scope, "POST", 200, "/mcp/request");     // in onAfterResponse
 */
import { type Context, SpanKind } from "@opentelemetry/api";
import { ATTR, mcpAttributes, mcpSpanName } from "./attributes.ts";
import { active } from "./runtime.ts";
import { type Scope, endScope, failSpan, startSpan } from "./spans.ts";
import { MESSAGE_TRACED, contextFromHeaders, contextFromMeta } from "./trace-meta.ts";

export function startHttpSpan(request: Request): Scope | undefined {
  const runtime = active.runtime;
  if (!runtime) return undefined;
  const { url } = request;
  const scheme = url.slice(0, url.indexOf(":"));
  const scope = startSpan(
    request.method,
    SpanKind.SERVER,
    {
      [ATTR.httpRequestMethod]: request.method,
      [ATTR.urlPath]: pathOf(url),
      [ATTR.urlScheme]: scheme,
      [ATTR.networkProtocolName]: "http",
    },
    contextFromHeaders(request.headers),
  );
  if (scope) runtime.contexts.enter(scope.context);
  return scope;
}

/** The path of an absolute URL without its query, cut out rather than parsed: a URL object per request is not needed for one field. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const query = url.indexOf("?", start);
  return url.slice(start, query === -1 ? undefined : query);
}

/** `route` is the matched route template (`/sessions/:id`), undefined when nothing matched. */
export function endHttpSpan(scope: Scope | undefined, method: string, status: number, route: string | undefined, errorType?: string): void {
  if (!scope) return;
  const { span } = scope;
  span.setAttribute(ATTR.httpResponseStatusCode, status);
  if (route) {
    span.setAttribute(ATTR.httpRoute, route);
    span.updateName(`${method} ${route}`);
  }
  if (status >= 500) failSpan(span, errorType ?? String(status));
  endScope(scope);
}

/**
 * One MCP request or notification a client sent over `protocol` (websocket
 * or http), as the station receives it. `fallback` is the parent when the
 * message carries no trace context: the WebSocket's upgrade request, say.
 */
export function startMcpMessage(
  method: string,
  params: Record<string, unknown> | undefined,
  sessionId: string | undefined,
  protocol: "http" | "websocket",
  fallback?: Context,
): Scope | undefined {
  if (!active.runtime) return undefined;
  const attributes: Record<string, string> = mcpAttributes(method, params, sessionId);
  attributes[ATTR.networkProtocolName] = protocol;
  attributes[ATTR.networkTransport] = "tcp";
  const scope = startSpan(mcpSpanName(method, params), SpanKind.SERVER, attributes, contextFromMeta(params) ?? fallback);
  if (scope) scope.context = scope.context.setValue(MESSAGE_TRACED, true);
  return scope;
}
