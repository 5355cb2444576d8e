/**
 * Who is calling: the tenant a request acts for, whether it may see every
 * tenant's sessions, and how it proved it. Sessions are owned by a tenant.
 *
 * @example
 *   const caller: Caller = { tenant: "team-a", admin: false, via: "api_key" };
 */

export interface Caller {
  tenant: string;
  /** An admin sees and manages every tenant's sessions. */
  admin: boolean;
  /** How the caller was admitted: a key, a JWT, an opaque token its authorization server vouched for, or as a local client with no credential configured. */
  via: "api_key" | "jwt" | "introspection" | "local";
  /** A token's scopes (`scope` or `scp`); none for keys and local callers. Access rules match on them. */
  scopes?: readonly string[];
  /** A token's claims, for access rules that match on one (`groups`, `email`, ...). */
  claims?: Readonly<Record<string, unknown>>;
}

/** With no credential configured, the station has one tenant and its local callers manage everything (the seed's behaviour). */
export const LOCAL_CALLER: Caller = { tenant: "local", admin: true, via: "local" };

/** Whether `caller` holds an access token (a JWT or an introspected one), whose scopes a challenge can ask to widen. */
export function byToken(caller: Caller): boolean {
  return caller.via === "jwt" || caller.via === "introspection";
}

/** Whether `caller` may see a session owned by `owner`. */
export function mayAccess(caller: Caller, owner: string): boolean {
  return caller.admin || caller.tenant === owner;
}
