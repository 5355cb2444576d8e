/**
 * A remote server entry's `oauth`: the station's client registration at the
 * server's authorization server, for the client_credentials grant
 * (src/remote/oauth-client.ts). The id and the secret may each be a tenant's
 * secret (secret-ref.ts), so each tenant can be a client of its own.
 *
 * @example
 *   { "client_id": "station", "client_secret": { "secret": "far-client-secret" }, "scope": "mcp:tools" }
 */
import { type Static, Type } from "@sinclair/typebox";
import { SecretOrValue } from "./secret-ref.ts";

/** RFC 6749 §3.3: scope tokens (printable ASCII but space, `"` and `\\`) separated by single spaces. */
const SCOPE = "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$";

/** `oauth`: the station's client registration at the server's authorization server; each value may be a tenant's secret. */
export const RemoteOAuth = Type.Object(
  {
    client_id: SecretOrValue,
    client_secret: SecretOrValue,
    /** Space-separated scopes asked for; unset, those the server's 401 names, else none. */
    scope: Type.Optional(Type.String({ pattern: SCOPE })),
    /** The issuer the station trusts with the client secret; unset, the first the server's metadata names. */
    authorization_server: Type.Optional(Type.String({ pattern: "^https?://" })),
  },
  // The station's own object: a misspelt field would silently change who gets the secret.
  { additionalProperties: false },
);
export type RemoteOAuth = Static<typeof RemoteOAuth>;
