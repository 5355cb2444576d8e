/**
 * From a request's credential to a Caller. A credential is an API key, a JWT
 * or an opaque OAuth token, sent as `Authorization: Bearer <it>` or
 * `X-API-Key: <it>`. Keys are tried first (a constant-time lookup), then a
 * JWT's signature, or the authorization server's introspection endpoint for
 * an opaque token (introspection.ts). Which check failed is logged, never
 * told to the caller. With OAuth on, a token must be meant for the resource
 * the request is for (its audience, oauth.ts), however it was checked.
 *
 * @example
 *   const authenticate = createAuthenticator({ apiKeys, jwt }, log);
 *   await authenticate(request.headers, "/sessions")  // Caller, or undefined for a missing or bad credential
 */
import type { Logger } from "../log.ts";
import { ApiKeys, type ApiKey } from "./api-keys.ts";
import type { Caller } from "./caller.ts";
import { type IntrospectionSettings, TokenIntrospection, TokenRefused } from "./introspection.ts";
import { type JwtSettings, createJwtVerifier } from "./jwt.ts";
import type { ProtectedResource } from "./oauth.ts";
import { type VerifiedToken, callerFromToken } from "./token-claims.ts";

export interface AuthSettings {
  apiKeys: ApiKey[];
  jwt: JwtSettings;
  /** Opaque tokens' check (RFC 7662); only with OAuth on. */
  introspection?: IntrospectionSettings;
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
  return (
    settings.apiKeys.length > 0 ||
    settings.jwt.secret !== undefined ||
    settings.jwt.jwksUrl !== undefined ||
    settings.introspection !== undefined
  );
}

export function createAuthenticator(settings: AuthSettings, log: Logger, resource?: ProtectedResource) {
  const keys = new ApiKeys(settings.apiKeys);
  const verifyJwt = settings.jwt.secret || settings.jwt.jwksUrl ? createJwtVerifier(settings.jwt) : undefined;
  const introspection = settings.introspection ? new TokenIntrospection(settings.introspection, settings.jwt, log) : undefined;

  /** The one audience check, whichever way the token was checked. */
  const admitted = (token: VerifiedToken, via: "jwt" | "introspection", path: string): Caller | undefined => {
    if (resource && !resource.accepts(token.audiences, path)) {
      log.debug("token refused", { via, reason: `its audience ${JSON.stringify(token.audiences)} is not ${resource.resourceFor(path)}` });
      return undefined;
    }
    return callerFromToken(token, via);
  };

  return async (headers: Headers, path: string): Promise<Caller | undefined> => {
    const credential = credentialOf(headers);
    if (!credential) return undefined;
    const key = keys.match(credential);
    if (key) return { ...key, via: "api_key" };
    if (introspection?.takes(credential)) {
      try {
        return admitted(await introspection.check(credential), "introspection", path);
      } catch (error) {
        // The endpoint down is the station's trouble, not the caller's: TokenCheckUnavailable goes on as a 503.
        if (!(error instanceof TokenRefused)) throw error;
        log.debug("token refused", { via: "introspection", reason: error.message });
        return undefined;
      }
    }
    // Three dot-separated parts: worth trying as a token; anything else is a wrong key.
    if (verifyJwt && credential.split(".").length === 3) {
      try {
        return admitted(await verifyJwt(credential), "jwt", path);
      } catch (error) {
        log.debug("token refused", { via: "jwt", reason: (error as Error).message });
      }
    }
    return undefined;
  };
}
