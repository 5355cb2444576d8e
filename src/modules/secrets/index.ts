/**
 * Tenants' secrets, write-only: PUT stores a value (encrypted at rest,
 * src/secrets/vault.ts), GET lists names and dates, DELETE removes one. No
 * call returns a value; it reaches only the servers the tenant starts whose
 * registry entry names it. A caller writes its own tenant's secrets; an admin
 * may name another tenant with `?tenant=`.
 *
 * @example
 *   curl -X PUT localhost:20100/secrets/github -H 'content-type: application/json' -d '{"value":"ghp_…"}'
 *   curl localhost:20100/secrets   # {"secrets":[{"tenant":"local","name":"github","updated_at":"…"}],"count":1}
 */
import { Elysia } from "elysia";
import { Forbidden, NotFound } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { SecretVault } from "../../secrets/vault.ts";
import { SecretInfo, SecretList, SecretName, SecretValue, TenantQuery } from "./model.ts";

/** The tenant a call acts for: the caller's own, or (admins only) the one it names. */
function tenantFor(request: Request, named: string | undefined): string {
  const caller = callerOf(request);
  if (named === undefined || named === caller.tenant) return caller.tenant;
  if (!caller.admin) throw new Forbidden("only admins may manage another tenant's secrets");
  return named;
}

const refusals = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody };

export const secretsModule = (vault: SecretVault | undefined, log: Logger) =>
  new Elysia({ prefix: "/secrets", tags: ["secrets"] })
    .onBeforeHandle(() => {
      if (!vault) throw new NotFound("the station keeps no secrets: set MCP_STATION_SECRETS_KEY");
    })
    .get(
      "",
      async ({ request, query }) => {
        const secrets = await vault!.list(tenantFor(request, query.tenant));
        return { secrets, count: secrets.length };
      },
      {
        query: TenantQuery,
        response: { 200: SecretList, ...refusals },
        detail: { summary: "Names of a tenant's secrets (never their values)" },
      },
    )
    .put(
      "/:name",
      async ({ request, params, query, body }) => {
        const tenant = tenantFor(request, query.tenant);
        const written = await vault!.put(tenant, params.name, body.value);
        // The name only: a value never reaches a log line.
        log.info("audit: secret written", { tenant, secret: params.name, by: callerOf(request).tenant });
        return written;
      },
      {
        params: SecretName,
        query: TenantQuery,
        body: SecretValue,
        response: { 200: SecretInfo, ...refusals },
        detail: { summary: "Write a secret (write-only)" },
      },
    )
    .delete(
      "/:name",
      async ({ request, params, query }) => {
        const tenant = tenantFor(request, query.tenant);
        if (!(await vault!.delete(tenant, params.name))) throw new NotFound(`tenant ${tenant} has no secret named ${params.name}`);
        log.info("audit: secret deleted", { tenant, secret: params.name, by: callerOf(request).tenant });
        return { deleted: true, tenant, name: params.name };
      },
      { params: SecretName, query: TenantQuery, detail: { summary: "Delete a secret" } },
    );
