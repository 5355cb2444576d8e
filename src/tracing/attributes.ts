/**
 * The attribute names the station's spans carry, after the OpenTelemetry
 * semantic conventions: HTTP (stable), `error.type` (stable), MCP and GenAI
 * (development: opentelemetry.io/docs/specs/semconv/gen-ai/mcp), and a few of
 * the station's own under `mcp_station.`. Written out here rather than taken
 * from @opentelemetry/semantic-conventions, whose MCP names sit in the
 * incubating entry point and are marked moved to the GenAI conventions.
 *
 * What never becomes an attribute: an argument's value, a result, a resource
 * URI (it may name a file or carry a credential), a header, a server's error
 * message (it may repeat the arguments), the command line or the environment.
 * Tool and prompt names are identifiers the server published, so they are in.
 */

export const ATTR = {
  httpRequestMethod: "http.request.method",
  httpResponseStatusCode: "http.response.status_code",
  httpRoute: "http.route",
  urlPath: "url.path",
  urlScheme: "url.scheme",
  networkProtocolName: "network.protocol.name",
  networkTransport: "network.transport",
  errorType: "error.type",
  mcpMethodName: "mcp.method.name",
  mcpSessionId: "mcp.session.id",
  mcpProtocolVersion: "mcp.protocol.version",
  jsonrpcRequestId: "jsonrpc.request.id",
  rpcResponseStatusCode: "rpc.response.status_code",
  genAiOperationName: "gen_ai.operation.name",
  genAiToolName: "gen_ai.tool.name",
  genAiPromptName: "gen_ai.prompt.name",
  processPid: "process.pid",
  /** The registry name the session was started from, when it was (`servers/<name>`). */
  stationServer: "mcp_station.server",
  /** legacy (initialize handshake) or modern (2026-07-28). */
  stationEra: "mcp_station.era",
  /** Why a request was withdrawn: `timeout` (its deadline) or `caller` (hung up, cancelled). */
  stationCancelReason: "mcp_station.cancel.reason",
  /** Why the restart policy started a server again: `exited` (it ended by itself) or `unresponsive` (its health checks failed). */
  stationRestartReason: "mcp_station.restart.reason",
  stationRestartAttempt: "mcp_station.restart.attempt",
} as const;

/** `error.type` for a tools/call the server answered with `isError: true` (the MCP conventions' value). */
export const TOOL_ERROR = "tool_error";

/**
 * The span name the MCP conventions ask for: `{mcp.method.name} {target}`,
 * where the target is the tool or prompt name, else the method alone.
 */
export function mcpSpanName(method: string, params: Record<string, unknown> | undefined): string {
  const target = targetOf(method, params);
  return target === undefined ? method : `${method} ${target}`;
}

/** The MCP attributes of a request: its method, its session, and the tool or prompt it names. */
export function mcpAttributes(
  method: string,
  params: Record<string, unknown> | undefined,
  sessionId: string | undefined,
): Record<string, string> {
  const attributes: Record<string, string> = { [ATTR.mcpMethodName]: method };
  if (sessionId) attributes[ATTR.mcpSessionId] = sessionId;
  const target = targetOf(method, params);
  if (target === undefined) return attributes;
  if (method === "tools/call") {
    attributes[ATTR.genAiToolName] = target;
    attributes[ATTR.genAiOperationName] = "execute_tool";
  } else attributes[ATTR.genAiPromptName] = target;
  return attributes;
}

/** A name is a target only when it is a short string: a server-invented or hostile one must not blow up span names. */
function targetOf(method: string, params: Record<string, unknown> | undefined): string | undefined {
  if (method !== "tools/call" && method !== "prompts/get") return undefined;
  const name = params?.name;
  return typeof name === "string" && name.length > 0 && name.length <= 128 ? name : undefined;
}
