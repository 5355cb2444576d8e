/** TypeBox models of the secrets API: a value goes in, only names come out. */
import { t } from "elysia";
import { SECRET_NAME } from "../../registry/secret-ref.ts";

export const SecretName = t.Object({ name: t.String({ pattern: SECRET_NAME, description: "Letters, digits, dot, dash or underscore" }) });

export const TenantQuery = t.Object({
  tenant: t.Optional(t.String({ minLength: 1, maxLength: 256, description: "Admins only: another tenant's secrets" })),
});

export const SecretValue = t.Object(
  { value: t.String({ minLength: 1, maxLength: 65536, description: "Write-only: no call returns it" }) },
  { additionalProperties: false },
);

export const SecretInfo = t.Object({ tenant: t.String(), name: t.String(), updated_at: t.String() });

export const SecretList = t.Object({ secrets: t.Array(SecretInfo), count: t.Integer() });
