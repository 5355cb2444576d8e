/**
 * The access rules in force (docs/security.md, Access rules): GET /access
 * shows an admin the registry file's `access` section as written, with the
 * version of the file it came from; GET /access/me shows any caller what the
 * rules give it: the registered servers and groups it may start and, for
 * each (and each member of a group, docs/groups.md, Access rules), the tool,
 * prompt and resource globs that apply to it. Both read the
 * one AccessRules object a reload replaces, so they follow the file.
 *
 * @example
 *   curl localhost:20100/access -H 'authorization: Bearer <admin key>'
 *   curl localhost:20100/access/me -H 'authorization: Bearer <key>'
 */
import { Elysia } from "elysia";
import { Forbidden } from "../../errors.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { LiveRegistry } from "../../registry/live-registry.ts";
import type { AccessRules } from "../../security/access-rules.ts";
import { AccessView, CallerAccessView } from "./model.ts";

export const accessModule = (access: AccessRules, registry: LiveRegistry) =>
  new Elysia({ prefix: "/access", tags: ["access"] })
    .get(
      "",
      ({ request }) => {
        // The rules say who gets what: a tenant learns its own share at /access/me, not the others'.
        if (!callerOf(request).admin) throw new Forbidden("the access rules are shown to admins; GET /access/me shows what they give you");
        // Read in one synchronous step, as a reload replaces them: the rules and the version agree.
        return { enabled: access.enabled, rules: [...(access.written ?? [])], registry: registry.status() };
      },
      {
        response: { 200: AccessView, 401: ErrorBody, 403: ErrorBody },
        detail: {
          summary: "The access rules in force (admins)",
          description: "The registry file's `access` section as written, in order, and which version of the file it came from.",
        },
      },
    )
    .get(
      "/me",
      ({ request }) => {
        const caller = callerOf(request);
        const grants = (name: string) => ({ name, ...access.grantsFor(caller, name) });
        const startable = <T extends { name: string }>(entries: Iterable<T>) =>
          [...entries].filter((entry) => access.mayStart(caller, entry.name));
        return {
          enabled: access.enabled,
          caller: { tenant: caller.tenant, admin: caller.admin, scopes: [...(caller.scopes ?? [])] },
          servers: startable(registry.servers.values()).map((entry) => grants(entry.name)),
          groups: startable(registry.groups.values()).map((group) => ({ ...grants(group.name), members: group.members.map(grants) })),
        };
      },
      {
        response: { 200: CallerAccessView, 401: ErrorBody },
        detail: {
          summary: "What the access rules give the caller",
          description:
            "The registered servers and groups the caller may start, and for each the tool, prompt and resource globs that apply.",
        },
      },
    );
