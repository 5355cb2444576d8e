/**
 * The access rules on a session's traffic, in the one place every channel's
 * requests pass (Session.request), whether the request came by /mcp/request,
 * the WebSocket or either MCP endpoint: what the caller may not use is left
 * out of its lists and refused when named.
 * - tools: tools/list filtered by name, tools/call refused;
 * - prompts: prompts/list filtered by name, prompts/get refused;
 * - resources: resources/list filtered by URI, resources/read and
 *   resources/subscribe refused; a template is left out of
 *   resources/templates/list only when the rules refuse every URI it could
 *   give (ResourceFilter.mayExpand), since a read of each is checked anyway;
 * - completion/complete on a prompt or resource the caller may not use is
 *   refused (completions would name what is behind it).
 * resources/unsubscribe is let through: it only stops what was allowed.
 * What the session sends unasked is filtered where each channel relays it,
 * with that channel's caller (isWithheld): the updates of a resource the
 * caller may not read, which another caller's subscription brings.
 *
 * @example
 *   withAccess(access, { caller, server: "files", label: "files" }, "resources/read", { uri: "file:///etc/passwd" }, options, send)
 *   // rejects with AccessDenied
 */
import { AccessDenied } from "../errors.ts";
import type { AccessRules, NameFilter } from "../security/access-rules.ts";
import type { Caller } from "../security/caller.ts";
import type { SessionEvent } from "./event-buffer.ts";
import type { RequestOptions } from "./server-connection.ts";

/** The methods the rules look at; every other request goes through as it is, with no work. */
export const RULED_METHODS = new Set([
  "tools/list",
  "tools/call",
  "prompts/list",
  "prompts/get",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "resources/subscribe",
  "completion/complete",
]);

/** Who asks of which server: `server` the registry name the rules match (none for a command's session), `label` the name errors give. */
export interface Asker {
  caller: Caller;
  server: string | undefined;
  label: string;
}

export async function withAccess(
  access: AccessRules,
  who: Asker,
  method: string,
  params: Record<string, unknown> | undefined,
  options: RequestOptions,
  send: (options: RequestOptions) => Promise<unknown>,
): Promise<unknown> {
  switch (method) {
    case "tools/call":
      refuseUnless(access.toolsFor(who.caller, who.server), "tool", params?.name, who);
      return send(options);
    case "prompts/get":
      refuseUnless(access.promptsFor(who.caller, who.server), "prompt", params?.name, who);
      return send(options);
    case "resources/read":
    case "resources/subscribe":
      refuseUnless(access.resourcesFor(who.caller, who.server), "resource", params?.uri, who);
      return send(options);
    case "completion/complete": {
      const ref = (params?.ref ?? {}) as { type?: unknown; name?: unknown; uri?: unknown };
      // A template's text is checked as a URI: completing its variables is allowed when a glob covers the template.
      if (ref.type === "ref/prompt") refuseUnless(access.promptsFor(who.caller, who.server), "prompt", ref.name, who);
      else if (ref.type === "ref/resource") refuseUnless(access.resourcesFor(who.caller, who.server), "resource", ref.uri, who);
      return send(options);
    }
  }
  // A list is filtered here, so it must come back parsed: no raw pass-through of a large one.
  const result = (await send({ ...options, raw: false })) as Record<string, unknown> | null;
  switch (method) {
    case "tools/list":
      return without(result, "tools", access.toolsFor(who.caller, who.server), (tool) => tool.name);
    case "prompts/list":
      return without(result, "prompts", access.promptsFor(who.caller, who.server), (prompt) => prompt.name);
    case "resources/list":
      return without(result, "resources", access.resourcesFor(who.caller, who.server), (resource) => resource.uri);
    default: {
      const resources = access.resourcesFor(who.caller, who.server);
      return without(result, "resourceTemplates", { allows: (template) => resources.mayExpand(template) }, (t) => t.uriTemplate);
    }
  }
}

/**
 * Whether `event` is kept from `caller`: a notifications/resources/updated for a URI the access rules do not let it
 * read. Asked of every event a channel relays, so it looks at nothing else, and at the rules only when they are on
 * (mayReadResource). `session` is the one the event came from: a group's members' rules apply through it.
 */
export function isWithheld(
  session: { mayReadResource(uri: string, caller: Caller | undefined): boolean },
  event: SessionEvent,
  caller: Caller | undefined,
): boolean {
  if (event.kind !== "notification") return false;
  const data = event.data as { method?: unknown; params?: { uri?: unknown } };
  return data.method === "notifications/resources/updated" && !session.mayReadResource(String(data.params?.uri), caller);
}

function refuseUnless(filter: NameFilter, what: "tool" | "prompt" | "resource", named: unknown, who: Asker): void {
  const name = typeof named === "string" ? named : "";
  if (filter.allows(name)) return;
  throw new AccessDenied(
    `${what} ${JSON.stringify(name)} of ${who.label} is not allowed for tenant ${who.caller.tenant} by the access rules`,
    {
      [what]: name,
      server: who.label,
    },
  );
}

/** `result` with the items of its list `key` that `filter` refuses left out. */
function without(
  result: Record<string, unknown> | null,
  key: string,
  filter: NameFilter,
  nameOf: (item: Record<string, unknown>) => unknown,
): unknown {
  const items = result?.[key];
  if (!Array.isArray(items)) return result;
  return { ...result, [key]: items.filter((item) => filter.allows(String(nameOf((item ?? {}) as Record<string, unknown>)))) };
}
