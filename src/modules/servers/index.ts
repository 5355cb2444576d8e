/**
 * The server registry, read-only: GET /servers lists the entries a caller can
 * start with POST /sessions {"server": "<name>"}.
 *
 * @example
 *   curl localhost:20100/servers -H 'authorization: Bearer <key>'
 */
import { Elysia } from "elysia";
import { describeEntry, type ServerEntry } from "../../registry/registry.ts";
import type { CommandPolicy } from "../../security/command-policy.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { ServerList } from "./model.ts";

export const serversModule = (registry: Map<string, ServerEntry>, policy: CommandPolicy) =>
  new Elysia({ prefix: "/servers", tags: ["servers"] }).get(
    "",
    () => {
      const servers = [...registry.values()].map(describeEntry);
      return { servers, count: servers.length, policy };
    },
    { response: { 200: ServerList, 401: ErrorBody }, detail: { summary: "List registered servers" } },
  );
