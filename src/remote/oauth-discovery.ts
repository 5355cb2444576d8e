/**
 * Where a remote MCP server's tokens come from, found as the MCP
 * authorization specification tells a client to: the server's 401 names its
 * Protected Resource Metadata (`WWW-Authenticate: Bearer
 * resource_metadata="…"`, RFC 9728 §5.1), or, without that, the metadata is
 * at the server URL's well-known location (§3.1); the metadata names the
 * authorization servers, and the first (or the one the registry pins) has its
 * own metadata (RFC 8414, or OpenID Connect discovery) with the token
 * endpoint and the client authentication methods it takes.
 *
 * Every fetch here is bounded by the signal given and never follows a
 * redirect; an answer that is missing, not JSON or inconsistent is an
 * OAuthFailure saying which document and why.
 *
 * @example
 *   const where = await discover("https://mcp.example.com/mcp", response.headers.get("www-authenticate"), undefined, signal);
 *   where.tokenEndpoint  // "https://auth.example.com/oauth/token"; where.resource  // "https://mcp.example.com/mcp"
 */
import { RemoteRefused } from "../errors.ts";
import { metadataUrlOf } from "../protocol/oauth-metadata.ts";

/** What the token request needs to know, learnt once per (entry, tenant) and kept with its token. */
export interface TokenEndpoint {
  /** The resource indicator (RFC 8707) the token is asked for: the server's canonical URI. */
  resource: string;
  issuer: string;
  tokenEndpoint: string;
  /** How the client authenticates at the token endpoint, the first of these the server takes. */
  authMethod: "client_secret_basic" | "client_secret_post";
  /** The scope the server's challenge asked for, used when the registry names none. */
  challengeScope?: string;
}

/** The station could not get a token: discovery failed or the authorization server refused. It fails the request, never the link. */
export class OAuthFailure extends RemoteRefused {}

/** A parameter of a `Bearer` challenge (RFC 6750 §3): `resource_metadata`, `scope`, `error`. */
export function challengeParam(challenge: string | null, name: string): string | undefined {
  if (!challenge) return undefined;
  const match = new RegExp(`(?:^|[\\s,])${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^\\s,]+))`, "i").exec(challenge);
  if (!match) return undefined;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

/** A loopback host: http is allowed there (tests, a sidecar); anywhere else a client secret travels only over https. */
function secureEnough(url: URL): boolean {
  return url.protocol === "https:" || ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
}

async function fetchJson(url: string, what: string, signal: AbortSignal): Promise<Record<string, unknown> | undefined> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" }, signal, redirect: "manual" });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new OAuthFailure(`the ${what} at ${url} could not be fetched: ${(error as Error).message}`, { url });
  }
  if (!response.ok) {
    await response.body?.cancel();
    return undefined;
  }
  const value = await response.json().catch(() => undefined);
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new OAuthFailure(`the ${what} at ${url} is not a JSON object`, { url });
  return value as Record<string, unknown>;
}

/** The first document of `urls` that exists (a 404 tries the next), or an OAuthFailure naming them all. */
async function firstOf(urls: string[], what: string, signal: AbortSignal): Promise<{ url: string; document: Record<string, unknown> }> {
  for (const url of urls) {
    const document = await fetchJson(url, what, signal);
    if (document) return { url, document };
  }
  throw new OAuthFailure(`no ${what} found at ${urls.join(" nor ")}`, { url: urls[0] });
}

/** RFC 8414 §3.1 (the path after the well-known part), then OpenID Connect discovery in both its placements. */
function authorizationServerMetadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    ...(path ? [`${url.origin}${path}/.well-known/openid-configuration`] : []),
  ];
}

/**
 * Finds the token endpoint for the server at `serverUrl`. `challenge` is the WWW-Authenticate of its 401 (null when
 * discovery starts without one); `pinnedIssuer`, the registry's `authorization_server`, is the only one accepted.
 */
export async function discover(
  serverUrl: string,
  challenge: string | null,
  pinnedIssuer: string | undefined,
  signal: AbortSignal,
): Promise<TokenEndpoint> {
  const named = challengeParam(challenge, "resource_metadata");
  const server = new URL(serverUrl);
  // The challenge's URL first (RFC 9728 §5.1; wherever it is, the document must name this server, checked below), then the well-known ones.
  const pointed = named ? URL.parse(named, serverUrl) : null;
  const candidates = pointed && /^https?:$/.test(pointed.protocol) ? [pointed.href] : [];
  candidates.push(metadataUrlOf(serverUrl));
  if (server.pathname !== "/") candidates.push(metadataUrlOf(server.origin));
  const prm = await firstOf([...new Set(candidates)], "protected resource metadata", signal);
  const resource = typeof prm.document.resource === "string" ? prm.document.resource : undefined;
  if (!resource || !covers(resource, server)) {
    throw new OAuthFailure(
      `the protected resource metadata at ${prm.url} names the resource ${resource ?? "(none)"}, which is not ${serverUrl}`,
      { url: prm.url },
    );
  }
  const listed = Array.isArray(prm.document.authorization_servers)
    ? prm.document.authorization_servers.filter((value): value is string => typeof value === "string")
    : [];
  const issuer = pinnedIssuer ?? listed[0];
  if (!issuer) throw new OAuthFailure(`the protected resource metadata at ${prm.url} names no authorization server`, { url: prm.url });
  if (pinnedIssuer && listed.length > 0 && !listed.map(withoutSlash).includes(withoutSlash(pinnedIssuer))) {
    throw new OAuthFailure(
      `the protected resource metadata at ${prm.url} names ${listed.join(", ")}, not the registry's authorization_server ${pinnedIssuer}`,
      { url: prm.url },
    );
  }
  const as = await firstOf(authorizationServerMetadataUrls(issuer), "authorization server metadata", signal);
  if (typeof as.document.issuer !== "string" || withoutSlash(as.document.issuer) !== withoutSlash(issuer)) {
    // RFC 8414 §3.3: metadata for another issuer is not this server's.
    throw new OAuthFailure(`the authorization server metadata at ${as.url} is for ${String(as.document.issuer)}, not ${issuer}`, {
      url: as.url,
    });
  }
  const tokenEndpoint = typeof as.document.token_endpoint === "string" ? URL.parse(as.document.token_endpoint) : null;
  if (!tokenEndpoint || !secureEnough(tokenEndpoint)) {
    throw new OAuthFailure(`the authorization server ${issuer} names no token endpoint the station may send a client secret to`, {
      url: as.url,
    });
  }
  const grants = as.document.grant_types_supported;
  if (Array.isArray(grants) && !grants.includes("client_credentials"))
    throw new OAuthFailure(`the authorization server ${issuer} does not offer the client_credentials grant`, { url: as.url });
  // RFC 8414 §2: absent, the list is client_secret_basic alone.
  const methods = Array.isArray(as.document.token_endpoint_auth_methods_supported)
    ? as.document.token_endpoint_auth_methods_supported
    : ["client_secret_basic"];
  const authMethod = (["client_secret_basic", "client_secret_post"] as const).find((method) => methods.includes(method));
  if (!authMethod) {
    throw new OAuthFailure(
      `the authorization server ${issuer} takes none of client_secret_basic, client_secret_post (it takes ${methods.join(", ")})`,
      { url: as.url },
    );
  }
  return { resource, issuer, tokenEndpoint: tokenEndpoint.href, authMethod, challengeScope: challengeParam(challenge, "scope") };
}

const withoutSlash = (uri: string) => (uri.endsWith("/") ? uri.slice(0, -1) : uri);

/** Whether a token for `resource` is one for the server at `server`: the same URI, or one its URL lies under. */
function covers(resource: string, server: URL): boolean {
  const named = URL.parse(resource);
  if (!named || named.origin !== server.origin) return false;
  const base = withoutSlash(named.pathname);
  const path = withoutSlash(server.pathname);
  return base === "" || path === base || path.startsWith(`${base}/`);
}
