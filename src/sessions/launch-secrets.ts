/**
 * The values a launch names by secret (a registry entry's env, a remote
 * server's headers), resolved for the tenant whose session it is, at every
 * start: a first start, a restart and a restore all read the secret as it is
 * then, so a rotated credential reaches the next run. The clear values live
 * only in the running server's env or the link's headers, never in the
 * session's spec, its info or the store.
 *
 * @example
 *   await resolveValues({ GITHUB_TOKEN: { secret: "github" } }, "acme", source, "server files")  // { GITHUB_TOKEN: "ghp_…" }
 */
import { SecretMissing } from "../errors.ts";
import { type SecretOrValue, isSecretRef } from "../registry/secret-ref.ts";

/** Where secrets come from (src/secrets, wired in src/operations.ts). */
export interface SecretSource {
  /** The clear value of `tenant`'s secret `name`, or undefined when the tenant has none by that name. */
  reveal(tenant: string, name: string): Promise<string | undefined>;
}

export async function resolveValues(
  values: Record<string, SecretOrValue>,
  tenant: string,
  source: SecretSource | undefined,
  where: string,
): Promise<Record<string, string>> {
  const resolved: Record<string, string> = {};
  for (const [key, value] of Object.entries(values)) {
    if (!isSecretRef(value)) {
      resolved[key] = value;
      continue;
    }
    if (!source) {
      throw new SecretMissing(
        `${where} needs the secret "${value.secret}", but the station has no secret store (set MCP_STATION_SECRETS_KEY)`,
        {
          secret: value.secret,
        },
      );
    }
    const clear = await source.reveal(tenant, value.secret);
    if (clear === undefined) {
      throw new SecretMissing(
        `${where} needs the secret "${value.secret}", which tenant ${tenant} has not set (PUT /secrets/${value.secret})`,
        {
          secret: value.secret,
          tenant,
        },
      );
    }
    resolved[key] = `${value.prefix ?? ""}${clear}`;
  }
  return resolved;
}

/** Whether a launch names any secret (its env, a remote server's headers or OAuth client): its process is its tenant's alone. */
export function namesAnySecret(spec: {
  secret_env?: Record<string, unknown>;
  remote?: { headers: Record<string, SecretOrValue>; oauth?: { client_id: SecretOrValue; client_secret: SecretOrValue } };
}): boolean {
  const oauth = spec.remote?.oauth;
  return (
    Object.keys(spec.secret_env ?? {}).length > 0 ||
    Object.values(spec.remote?.headers ?? {}).some(isSecretRef) ||
    (oauth !== undefined && (isSecretRef(oauth.client_id) || isSecretRef(oauth.client_secret)))
  );
}
