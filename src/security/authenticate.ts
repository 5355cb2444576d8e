/**
 * From a request's credential to a Caller. A credential is an API key or a
 * JWT, sent as `Authorization: Bearer <it>` or `X-API-Key: <it>`. Keys are
 * tried first (a constant-time lookup), then JWT when configured. Which check
 * failed is logged, never told to the caller. With OAuth on, a token must be
 * meant for the resource the request is for (its audience, oauth.ts).
 *
 * @example
 *   const authenticate = createAuthenticator({ apiKeys, jwt }, log);
 *   await authenticate(request.headers, "/sessions")  // Caller, or undefined for a missing or bad credential
 */
import type { Logger } from "../log.ts";
import { ApiKeys, type ApiKey } from "./api-keys.ts";
import type { Caller } from "./caller.ts";
import { type JwtSettings, createJwtVerifier } from "./jwt.ts";
import type { ProtectedResource } from "./oauth.ts";

export interface AuthSettings {
  apiKeys: ApiKey[];
  jwt: JwtSettings;
}

export function credentialOf(headers: Headers): string | undefined {
  const authorization = headers.get("authorization");
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  return headers.get("x-api-key")?.trim() || undefined;
}

/** Whether any credential is configured; with none, protected mode decides who is served. */
export function authConfigured(settings: AuthSettings): boolean {
  return settings.apiKeys.length > 0 || settings.jwt.secret !== undefined || settings.jwt.jwksUrl !== undefined;
}

export function createAuthenticator(settings: AuthSettings, log: Logger, resource?: ProtectedResource) {
  const keys = new ApiKeys(settings.apiKeys);
  const verifyJwt = settings.jwt.secret || settings.jwt.jwksUrl ? createJwtVerifier(settings.jwt) : undefined;
  return async (headers: Headers, path: string): Promise<Caller | undefined> => {
    const credential = credentialOf(headers);
    if (!credential) return undefined;
    const key = keys.match(credential);
    if (key) return { ...key, via: "api_key" };
    // Three dot-separated parts: worth trying as a token; anything else is a wrong key.
    if (verifyJwt && credential.split(".").length === 3) {
      try {
        const token = await verifyJwt(credential);
        if (resource && !resource.accepts(token.audiences, path)) {
          log.debug("token refused", { reason: `its audience ${JSON.stringify(token.audiences)} is not ${resource.resourceFor(path)}` });
          return undefined;
        }
        return { tenant: token.tenant, admin: token.admin, scopes: token.scopes, claims: token.claims, via: "jwt" };
      } catch (error) {
        log.debug("token refused", { reason: (error as Error).message });
      }
    }
    return undefined;
  };
}
