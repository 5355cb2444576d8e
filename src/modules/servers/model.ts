/** TypeBox models of the server registry's listing. */
import { t } from "elysia";
import { CommandPolicy } from "../../security/command-policy.ts";
import { ToolCuration } from "../../sessions/curation.ts";
import { RegistryStatusInfo } from "../../http/shared-models.ts";

export const ServerEntryInfo = t.Object({
  name: t.String(),
  command: t.String(),
  args: t.Array(t.String()),
  env_keys: t.Array(t.String(), { description: "Names of the entry's env; values are never shown" }),
  cwd: t.Nullable(t.String()),
  allow_env: t.Array(t.String(), { description: "env_vars a caller may add" }),
  allow_args: t.Boolean({ description: "Whether a caller may append server_args" }),
  tools: t.Optional(ToolCuration),
  url: t.Optional(t.String({ description: "A remote server's Streamable HTTP endpoint (command repeats it)" })),
  header_keys: t.Optional(t.Array(t.String(), { description: "Names of the headers sent to a remote server; values are never shown" })),
});

export const GroupInfo = t.Object({
  name: t.String(),
  members: t.Array(t.String(), { description: "Its servers, in the order that settles name collisions" }),
  prefix: t.Union([t.Literal("always"), t.Literal("collision"), t.Literal("never")]),
  separator: t.String(),
  description: t.Nullable(t.String()),
  tools: t.Optional(ToolCuration),
});

export const ServerList = t.Object({
  servers: t.Array(ServerEntryInfo),
  count: t.Integer(),
  policy: CommandPolicy,
  groups: t.Array(GroupInfo, { description: "The registry's groups (docs/groups.md): started like a server, as one session" }),
  registry: t.Optional(RegistryStatusInfo),
});
