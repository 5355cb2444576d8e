/** TypeBox models of the access rules' read API. */
import { t } from "elysia";
import { AccessRule } from "../../security/access-rules.ts";
import { RegistryStatusInfo } from "../../http/shared-models.ts";

export const AccessView = t.Object({
  enabled: t.Boolean({ description: "Whether the registry file has an `access` section; without one everyone may do everything" }),
  rules: t.Array(AccessRule, { description: "The section's rules as the file writes them, in its order; none when disabled" }),
  registry: RegistryStatusInfo,
});

const Globs = t.Object(
  {
    allow: t.Array(t.String(), { description: "Globs: one must match (none: nothing of this kind is allowed)" }),
    deny: t.Array(t.String(), { description: "Globs: none may match (a deny wins)" }),
  },
  { description: "The allow and deny globs of every rule that applies to the caller for this server" },
);

const ServerGrants = t.Object({
  name: t.String(),
  tools: Globs,
  prompts: Globs,
  resources: Globs,
});

export const CallerAccessView = t.Object({
  enabled: t.Boolean({ description: "Whether access rules are in force; without them every caller may do everything" }),
  caller: t.Object({
    tenant: t.String(),
    admin: t.Boolean(),
    scopes: t.Array(t.String(), { description: "The token's scopes; none for an API key" }),
  }),
  servers: t.Array(ServerGrants, { description: "Each registered server the caller may start, with what it may use of it" }),
  groups: t.Array(
    t.Composite([
      ServerGrants,
      t.Object({
        members: t.Array(ServerGrants, { description: "What the caller may use of each member's own tools, prompts and resources" }),
      }),
    ]),
    { description: "Each group the caller may start: the globs on the group's names of its tools and prompts, then each member's" },
  ),
});
