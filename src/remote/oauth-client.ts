/**
 * The station as an OAuth confidential client of a remote MCP server's
 * authorization server (the machine-to-machine case: the client_credentials
 * grant, RFC 6749 §4.4), with the resource indicator of RFC 8707 naming the
 * server, so the token is good there and nowhere else.
 *
 * A token is kept in memory only, one per (registry entry, tenant): every
 * session of that pair shares it, and it is used until shortly before it
 * expires, then asked for again. A 401 from the server makes `renew` drop the
 * token it refused and get another (discovering the token endpoint again,
 * from that 401's challenge); concurrent requests wait on the same fetch.
 * The token and the client secret are never written to a log or a store;
 * messages name the authorization server's error code and description only.
 *
 * @example
 *   const tokens = new AccessTokens();
 *   const source = tokens.source("far\0acme", { serverUrl, clientId: "station", clientSecret, scope: "mcp:tools" });
 *   headers.set("authorization", `Bearer ${await source.token(signal)}`);
 */
import { OAuthFailure, type TokenEndpoint, discover } from "./oauth-discovery.ts";

export { OAuthFailure } from "./oauth-discovery.ts";

/** What the registry entry's `oauth` holds, its secrets resolved for the session's tenant. */
export interface ClientCredentials {
  serverUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  /** The issuer the registry pins; unset, the server's metadata names it. */
  authorizationServer?: string;
}

/** Discovery and the token request together: an authorization server that neither answers nor refuses cannot hold a request longer. */
export const OAUTH_TIMEOUT_MS = 10_000;
/**
 * A token is renewed this long before it expires, or a tenth of a shorter life, so no request carries one that
 * lapses on the way; never less than a second before, because expires_in counts whole seconds and an authorization
 * server dates the token from its own clock rounded down (oidc-provider: exp = floor(now) + expires_in).
 */
const RENEW_BEFORE_MS = 30_000;
const RENEW_BEFORE_MIN_MS = 1_000;

/** The station's tokens for remote servers: one TokenSource per (entry, tenant), created when first asked for. */
export class AccessTokens {
  private readonly sources = new Map<string, TokenSource>();

  /** The source for `key` (entry and tenant); new when the credentials changed (a rotated secret gets a token of its own). */
  source(key: string, credentials: ClientCredentials): TokenSource {
    const known = this.sources.get(key);
    if (known?.serves(credentials)) return known;
    const fresh = new TokenSource(credentials);
    this.sources.set(key, fresh);
    return fresh;
  }
}

interface Held {
  value: string;
  /** Date.now() after which it is renewed before use; Infinity when the server gave no expires_in. */
  renewAt: number;
}

export class TokenSource {
  private endpoint: TokenEndpoint | undefined;
  private held: Held | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly credentials: ClientCredentials) {}

  serves(credentials: ClientCredentials): boolean {
    const own = this.credentials;
    return (
      own.serverUrl === credentials.serverUrl &&
      own.clientId === credentials.clientId &&
      own.clientSecret === credentials.clientSecret &&
      own.scope === credentials.scope &&
      own.authorizationServer === credentials.authorizationServer
    );
  }

  /**
   * A token to send: the one held while it is fresh; else a new one if the token endpoint is known; else none
   * (undefined), and the server's 401 will say where tokens come from.
   */
  async token(signal: AbortSignal): Promise<string | undefined> {
    if (this.held && Date.now() < this.held.renewAt) return this.held.value;
    if (!this.endpoint && !this.pending) return undefined;
    return this.fetchOnce(null, signal);
  }

  /** The server refused `refused` (or asked for a token when none was sent): a new one, unless another request got it already. */
  renew(refused: string | undefined, challenge: string | null, signal: AbortSignal): Promise<string> {
    if (this.held && this.held.value !== refused && Date.now() < this.held.renewAt) return Promise.resolve(this.held.value);
    if (this.held?.value === refused) this.held = undefined;
    // Where tokens come from is learnt again: a server that moved to another authorization server says so in its challenge.
    if (!this.pending) this.endpoint = undefined;
    return this.fetchOnce(challenge, signal);
  }

  private fetchOnce(challenge: string | null, signal: AbortSignal): Promise<string> {
    this.pending ??= this.obtain(challenge).finally(() => {
      this.pending = undefined;
    });
    // The fetch is shared; each waiter stops waiting when its own request ends.
    return untilAborted(this.pending, signal);
  }

  private async obtain(challenge: string | null): Promise<string> {
    const signal = AbortSignal.timeout(OAUTH_TIMEOUT_MS);
    try {
      this.endpoint ??= await discover(this.credentials.serverUrl, challenge, this.credentials.authorizationServer, signal);
      const obtainedAt = Date.now();
      const { value, expiresIn } = await requestToken(this.endpoint, this.credentials, signal);
      const lifeMs = expiresIn === undefined ? Number.POSITIVE_INFINITY : expiresIn * 1000;
      this.held = { value, renewAt: obtainedAt + lifeMs - Math.min(RENEW_BEFORE_MS, Math.max(RENEW_BEFORE_MIN_MS, lifeMs / 10)) };
      return value;
    } catch (error) {
      if (error instanceof OAuthFailure) throw error;
      const why = signal.aborted ? `no answer within ${OAUTH_TIMEOUT_MS} ms` : (error as Error).message;
      throw new OAuthFailure(`no token for ${this.credentials.serverUrl}: ${why}`, { url: this.endpoint?.tokenEndpoint });
    }
  }
}

/** The client_credentials grant at the token endpoint; throws OAuthFailure with the server's error and description. */
async function requestToken(
  endpoint: TokenEndpoint,
  credentials: ClientCredentials,
  signal: AbortSignal,
): Promise<{ value: string; expiresIn?: number }> {
  const form = new URLSearchParams({ grant_type: "client_credentials", resource: endpoint.resource });
  const scope = credentials.scope ?? endpoint.challengeScope;
  if (scope) form.set("scope", scope);
  const headers = new Headers({ "content-type": "application/x-www-form-urlencoded", accept: "application/json" });
  if (endpoint.authMethod === "client_secret_basic") {
    // RFC 6749 §2.3.1: each part form-encoded before the base64.
    const pair = `${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret)}`;
    headers.set("authorization", `Basic ${Buffer.from(pair).toString("base64")}`);
  } else {
    form.set("client_id", credentials.clientId);
    form.set("client_secret", credentials.clientSecret);
  }
  let response: Response;
  try {
    response = await fetch(endpoint.tokenEndpoint, { method: "POST", headers, body: form, signal, redirect: "manual" });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new OAuthFailure(`the authorization server ${endpoint.issuer} is unreachable: ${(error as Error).message}`, {
      url: endpoint.tokenEndpoint,
    });
  }
  const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!response.ok) {
    const error = typeof body?.error === "string" ? body.error : undefined;
    const description = typeof body?.error_description === "string" ? `: ${body.error_description}` : "";
    throw new OAuthFailure(
      `the authorization server ${endpoint.issuer} refused the client credentials: HTTP ${response.status}${error ? ` ${error}${description}` : ""}`,
      { url: endpoint.tokenEndpoint, status: response.status, ...(error ? { oauth_error: error } : {}) },
    );
  }
  const value = body?.access_token;
  const type = body?.token_type;
  if (typeof value !== "string" || value === "" || typeof type !== "string" || type.toLowerCase() !== "bearer") {
    throw new OAuthFailure(`the authorization server ${endpoint.issuer} answered without a bearer access_token`, {
      url: endpoint.tokenEndpoint,
    });
  }
  const expiresIn = typeof body?.expires_in === "number" && body.expires_in > 0 ? body.expires_in : undefined;
  return { value, expiresIn };
}

/** application/x-www-form-urlencoded, as RFC 6749 Appendix B asks for the Basic credentials' parts. */
function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener("abort", stop, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", stop);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", stop);
        reject(error);
      },
    );
  });
}
