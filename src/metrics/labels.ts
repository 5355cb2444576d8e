/**
 * The label values of the MCP request metrics, each from a closed set or
 * capped, so neither a caller nor a server can grow the scrape: the method
 * (MCP methods by name, anything else `other`), the outcome, and a tool's
 * name (see server-meters.ts for the cap per server).
 *
 * @example
 *   methodLabel("tools/list");        // "tools/list"
 *   methodLabel("no/such-method");    // "other"
 *   outcomeOf(new RequestTimeout(…)); // "timeout"
 */
import { RemoteError, StationError } from "../errors.ts";

/** The label of methods, and of tools past the cap, that get no label of their own. */
export const OTHER = "other";

/** MCP methods get a label of their own; anything else a caller sends is "other", so callers cannot grow the label set. */
const KNOWN_METHODS = new Set([
  "initialize",
  "ping",
  "server/discover",
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/list",
  "prompts/get",
  "completion/complete",
  "logging/setLevel",
  "tasks/get",
  "tasks/list",
  "tasks/result",
  "tasks/cancel",
]);

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : OTHER;
}

/**
 * The longest tool name that gets a label of its own: the MCP specification
 * allows 1 to 128 characters (SEP-986), so a longer one is a caller's junk.
 */
export const MAX_TOOL_NAME = 128;

/** What became of one MCP request, for the outcome label. */
export function outcomeOf(error: unknown): string {
  if (error === undefined) return "ok";
  if (error instanceof RemoteError) return "error";
  if (error instanceof StationError) {
    switch (error.type) {
      case "request_timeout":
        return "timeout";
      case "request_cancelled":
        return "cancelled";
      case "server_exited":
        return "server_exited";
      case "session_not_running":
        return "not_running";
      case "too_many_requests":
        return "throttled";
      case "message_too_large":
        return "too_large";
    }
  }
  return "failed";
}

/**
 * A tools/call the server answered with `isError: true`: the tool failed,
 * though the request succeeded. A large result passed on unparsed (RawJson)
 * is not looked into, and counts as ok.
 */
export function isToolError(method: string, result: unknown): boolean {
  return method === "tools/call" && (result as { isError?: unknown } | null)?.isError === true;
}
