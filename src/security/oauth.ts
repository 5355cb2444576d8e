/**
 * The station as an OAuth 2.1 protected resource, as the MCP authorization
 * specification asks: the Protected Resource Metadata of RFC 9728 at
 * `/.well-known/oauth-protected-resource` (the station) and at its
 * path-suffixed forms (each MCP endpoint, a resource of its own), the
 * `WWW-Authenticate` challenges that point clients to it, and which token
 * audiences (RFC 8707 resource indicators) a request may carry.
 *
 * The canonical resource URI is configured: behind a proxy the station
 * cannot know the URL its clients use, and a guessed one would make every
 * audience check wrong.
 *
 * @example
 *   const resource = new ProtectedResource({ resource: "https://station.example", authorizationServers: ["https://idp"], scopes: [] });
 *   resource.metadataUrl("/servers/files/mcp")  // "https://station.example/.well-known/oauth-protected-resource/servers/files/mcp"
 *   resource.accepts(["https://station.example/servers/files/mcp"], "/servers/files/mcp")  // true
 */
import { metadataUrlOf } from "../protocol/oauth-metadata.ts";

export { METADATA_PATH } from "../protocol/oauth-metadata.ts";

export interface OAuthSettings {
  /** The canonical resource URI as configured (MCP_STATION_OAUTH_RESOURCE). */
  resource: string;
  /** Issuer URLs of the authorization servers (MCP_STATION_OAUTH_AUTHORIZATION_SERVERS). */
  authorizationServers: string[];
  /** Scopes every token must hold (MCP_STATION_OAUTH_SCOPES). */
  scopes: string[];
  /** A further accepted audience (MCP_STATION_JWT_AUDIENCE), for authorization servers that mint a fixed one. */
  extraAudience?: string;
}

/** The MCP endpoints, each a protected resource of its own with its own metadata document. */
const MCP_ENDPOINT = /^\/(?:sessions|servers)\/[^/]+\/mcp$/;

/** A URI without its trailing slash: RFC 8707's canonical form, and what the MCP specification asks clients to send. */
const canonical = (uri: string) => (uri.endsWith("/") ? uri.slice(0, -1) : uri);

/**
 * RFC 6750 §3: an error_description holds printable ASCII but `"` and `\`. It may carry a caller's words (a
 * tool's name), and a header value with a line break or a character past U+00FF is refused by Headers, a 500.
 */
const describable = (text: string) => text.replaceAll('"', "'").replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "?");

export class ProtectedResource {
  /** The canonical resource URI, without a trailing slash. */
  readonly resource: string;
  /** The resource's own path ("" at the root of its host), which its endpoints' URIs continue. */
  private readonly basePath: string;

  constructor(readonly settings: OAuthSettings) {
    this.resource = canonical(settings.resource);
    const url = new URL(this.resource);
    this.basePath = canonical(url.pathname);
  }

  /** Whether `path` (a request's, on the station) is one of the MCP endpoints. */
  static isMcpEndpoint(path: string): boolean {
    return MCP_ENDPOINT.test(path);
  }

  /** The resource URI a request to `path` is for: the endpoint's own for an MCP endpoint, else the station's. */
  resourceFor(path: string): string {
    return ProtectedResource.isMcpEndpoint(path) ? this.resource + path : this.resource;
  }

  /** RFC 9728 §3.1: the metadata URL of a resource puts the well-known path between its host and its path. */
  metadataUrl(path: string): string {
    return metadataUrlOf(this.resourceFor(path));
  }

  /**
   * The metadata document served at `METADATA_PATH + suffix`, or undefined for a suffix that names no
   * resource of the station's. Its `resource` is the one whose URL it was found at (RFC 9728 §3.3).
   */
  metadata(suffix: string): Record<string, unknown> | undefined {
    let path = suffix;
    if (this.basePath) {
      if (path !== this.basePath && !path.startsWith(`${this.basePath}/`)) return undefined;
      path = path.slice(this.basePath.length);
    }
    if (path !== "" && path !== "/" && !ProtectedResource.isMcpEndpoint(path)) return undefined;
    return {
      resource: this.resourceFor(path),
      authorization_servers: this.settings.authorizationServers,
      ...(this.settings.scopes.length > 0 ? { scopes_supported: this.settings.scopes } : {}),
      bearer_methods_supported: ["header"],
      resource_name: "MCP Station",
    };
  }

  /**
   * Whether a token for `audiences` may be used at `path`: one issued for the station, or for the MCP
   * endpoint it calls. A token for another resource (another endpoint, another service) is refused,
   * so a token a client got for some other server cannot be replayed here.
   */
  accepts(audiences: readonly string[], path: string): boolean {
    const own = this.resourceFor(path);
    return audiences.some((audience) => {
      const aud = canonical(audience);
      return (
        aud === this.resource || aud === own || (this.settings.extraAudience !== undefined && audience === this.settings.extraAudience)
      );
    });
  }

  /** The scopes of `granted` short of those every token must hold. */
  missingScopes(granted: readonly string[]): string[] {
    return this.settings.scopes.filter((scope) => !granted.includes(scope));
  }

  /**
   * The `WWW-Authenticate` value of a 401 or 403 at `path` (RFC 6750 §3, RFC 9728 §5.1): where the
   * metadata is, the scope needed, and for a token that was sent, why it failed.
   */
  challenge(path: string, error?: { error: "invalid_token" | "insufficient_scope"; description: string; scope?: string[] }): string {
    const scope = error?.scope ?? this.settings.scopes;
    const parts = [`resource_metadata="${this.metadataUrl(path)}"`];
    if (scope.length > 0) parts.push(`scope="${scope.join(" ")}"`);
    if (error) parts.push(`error="${error.error}"`, `error_description="${describable(error.description)}"`);
    return `Bearer ${parts.join(", ")}`;
  }
}
