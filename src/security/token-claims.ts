/**
 * What an access token says about its holder, whichever way it was checked:
 * a JWT's verified payload (jwt.ts) and an introspection answer (RFC 7662,
 * introspection.ts) carry the same claims (`sub`, `scope`, `aud`, …), so one
 * mapping turns either into the tenant, the admin flag, the scopes and the
 * audiences, and one turns that into a Caller. The two paths cannot differ
 * in who a token makes its holder.
 *
 * @example
 *   const token = tokenFromClaims({ sub: "team-a", scope: "mcp:tools", aud: "https://s" }, { tenantClaim: "sub", adminScope: "admin" });
 *   callerFromToken(token, "introspection")  // { tenant: "team-a", admin: false, scopes: ["mcp:tools"], claims: {...}, via: "introspection" }
 */
import type { Caller } from "./caller.ts";

/** How claims name a tenant and make an admin (MCP_STATION_JWT_TENANT_CLAIM, MCP_STATION_JWT_ADMIN_SCOPE). */
export interface ClaimSettings {
  /** The claim that names the tenant (default "sub"). */
  tenantClaim: string;
  /** A token whose `scope` (space-separated) or `scp` (array) holds this is an admin. */
  adminScope: string;
}

export interface VerifiedToken {
  tenant: string;
  admin: boolean;
  scopes: string[];
  claims: Record<string, unknown>;
  /** The token's `aud`, as a list. */
  audiences: string[];
}

/** `scope` (RFC 8693 §4.2, RFC 7662 §2.2: space-separated) or `scp` (an array, as Entra ID and Okta write it). */
function scopesOf(claims: Record<string, unknown>): string[] {
  const scope = claims.scope;
  if (typeof scope === "string") return scope.split(/\s+/).filter(Boolean);
  const scp = claims.scp;
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === "string");
  return [];
}

/** The holder a token's claims describe; throws when they name no tenant. */
export function tokenFromClaims(claims: Record<string, unknown>, settings: ClaimSettings): VerifiedToken {
  const tenant = claims[settings.tenantClaim];
  if (typeof tenant !== "string" || tenant === "") throw new Error(`token has no ${settings.tenantClaim} claim`);
  const scopes = scopesOf(claims);
  const aud = claims.aud;
  const audiences = typeof aud === "string" ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
  return { tenant, admin: scopes.includes(settings.adminScope), scopes, claims, audiences };
}

/** The Caller a checked token admits. */
export function callerFromToken(token: VerifiedToken, via: "jwt" | "introspection"): Caller {
  return { tenant: token.tenant, admin: token.admin, scopes: token.scopes, claims: token.claims, via };
}
