/**
 * The server registry, read-only: GET /servers lists the entries a caller can
 * start with POST /sessions {"server": "<name>"}: with access rules, only
 * those the rules give the caller.
 *
 * @example
 *   curl localhost:20100/servers -H 'authorization: Bearer <key>'
 */
import { Elysia } from "elysia";
import { describeGroup, type GroupEntry } from "../../registry/groups.ts";
import type { RegistryStatus } from "../../registry/live-registry.ts";
import { describeEntry, type ServerEntry } from "../../registry/registry.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { AccessRules } from "../../security/access-rules.ts";
import type { CommandPolicy } from "../../security/command-policy.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { ServerList } from "./model.ts";

export const serversModule = (
  registry: Map<string, ServerEntry>,
  policy: CommandPolicy,
  access?: AccessRules,
  groups: Map<string, GroupEntry> = new Map(),
  status?: () => RegistryStatus,
) =>
  new Elysia({ prefix: "/servers", tags: ["servers"] }).get(
    "",
    ({ request }) => {
      const caller = callerOf(request);
      const shown = (name: string) => !access || access.mayStart(caller, name);
      const servers = [...registry.values()].filter((entry) => shown(entry.name)).map(describeEntry);
      const groupList = [...groups.values()].filter((group) => shown(group.name)).map(describeGroup);
      return { servers, count: servers.length, policy, groups: groupList, ...(status ? { registry: status() } : {}) };
    },
    { response: { 200: ServerList, 401: ErrorBody }, detail: { summary: "List registered servers" } },
  );
