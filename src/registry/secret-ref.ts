/**
 * A reference to a tenant's named secret where a registry entry would
 * otherwise hold a credential in clear: an env value or a remote server's
 * header. Resolved for the tenant that starts the session, at each start and
 * restore (src/secrets); `prefix` is put before the value ("Bearer ").
 *
 * @example
 *   { "env": { "GITHUB_TOKEN": { "secret": "github" } } }
 */
import { type Static, Type } from "@sinclair/typebox";

export const SECRET_NAME = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

export const SecretRef = Type.Object(
  {
    secret: Type.String({ pattern: SECRET_NAME }),
    prefix: Type.Optional(Type.String({ maxLength: 256 })),
  },
  { additionalProperties: false },
);
export type SecretRef = Static<typeof SecretRef>;

/** A value given in clear or by a secret's name: an env value, a header. */
export const SecretOrValue = Type.Union([Type.String(), SecretRef]);
export type SecretOrValue = Static<typeof SecretOrValue>;

export function isSecretRef(value: unknown): value is SecretRef {
  return typeof value === "object" && value !== null && typeof (value as { secret?: unknown }).secret === "string";
}
