/**
 * The server registry, read-only: GET /servers lists the entries a caller can
 * start with POST /sessions {"server": "<name>"}: with access rules, only
 * those the rules give the caller.
 *
 * @example
 *   curl localhost:20100/servers -H 'authorization: Bearer <key>'
 */
import { Elysia } from "elysia";
import { describeEntry, type ServerEntry } from "../../registry/registry.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { AccessRules } from "../../security/access-rules.ts";
import type { CommandPolicy } from "../../security/command-policy.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { ServerList } from "./model.ts";

export const serversModule = (registry: Map<string, ServerEntry>, policy: CommandPolicy, access?: AccessRules) =>
  new Elysia({ prefix: "/servers", tags: ["servers"] }).get(
    "",
    ({ request }) => {
      const caller = callerOf(request);
      const servers = [...registry.values()].filter((entry) => !access || access.mayStart(caller, entry.name)).map(describeEntry);
      return { servers, count: servers.length, policy };
    },
    { response: { 200: ServerList, 401: ErrorBody }, detail: { summary: "List registered servers" } },
  );
