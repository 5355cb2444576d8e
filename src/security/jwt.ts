/**
 * JWT bearer tokens through `jose`: HS256 with a shared secret, or RS256/ES256
 * keys from a JWKS URL (fetched and cached by jose). Issuer, audience and
 * expiry are checked; one claim names the tenant, and a scope makes an admin.
 * With OAuth on (oauth.ts) the audience is left to the caller of the
 * verifier, which knows which resource the request is for.
 *
 * @example
 *   const verifier = createJwtVerifier({ secret: "…", issuer: "https://idp", audience: "mcp-station", ... });
 *   await verifier("eyJ…")   // { tenant: "team-a", admin: false, scopes: [...], claims: {...}, audiences: [...] }, or throws
 */
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type ClaimSettings, type VerifiedToken, tokenFromClaims } from "./token-claims.ts";

export interface JwtSettings extends ClaimSettings {
  /** HS256 shared secret. */
  secret?: string;
  /** RS256/ES256 keys. */
  jwksUrl?: string;
  /** The accepted `iss`: one, or any of several (the OAuth authorization servers). */
  issuer?: string | string[];
  /** The required `aud`, checked here; unset: not checked here. */
  audience?: string;
  /** Allowed clock skew in seconds. */
  clockToleranceS: number;
}

export type JwtVerifier = (token: string) => Promise<VerifiedToken>;

export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    clockTolerance: settings.clockToleranceS,
    // Every accepted token must say when it expires.
    requiredClaims: ["exp"],
  };
  const secret = settings.secret ? new TextEncoder().encode(settings.secret) : undefined;
  const jwks: JWTVerifyGetKey | undefined = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl)) : undefined;
  return async (token) => {
    // A token names its algorithm; the key decides which ones are acceptable, never the token alone.
    const header = JSON.parse(Buffer.from(token.split(".")[0] ?? "", "base64url").toString("utf8") || "{}") as { alg?: string };
    let payload: JWTPayload;
    if (header.alg === "HS256" && secret) {
      ({ payload } = await jwtVerify(token, secret, { ...options, algorithms: ["HS256"] }));
    } else if (jwks && (header.alg === "RS256" || header.alg === "ES256")) {
      ({ payload } = await jwtVerify(token, jwks, { ...options, algorithms: ["RS256", "ES256"] }));
    } else {
      throw new Error(`token algorithm ${header.alg ?? "none"} is not accepted`);
    }
    return tokenFromClaims(payload, settings);
  };
}
