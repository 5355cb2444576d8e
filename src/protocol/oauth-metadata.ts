/**
 * Where an OAuth protected resource publishes its metadata (RFC 9728 §3.1):
 * the well-known path goes between the host and the resource's own path. One
 * definition for both sides of the station: the resource it is to its clients
 * (src/security/oauth.ts) and the client it is to a remote server
 * (src/remote/oauth-discovery.ts).
 *
 * @example
 *   metadataUrlOf("https://mcp.example.com/tools/mcp")  // "https://mcp.example.com/.well-known/oauth-protected-resource/tools/mcp"
 */

/** RFC 9728 §3: the well-known path; a resource with a path has it appended. */
export const METADATA_PATH = "/.well-known/oauth-protected-resource";

/** The metadata URL of the resource `resource` (its query and fragment play no part; a trailing slash is dropped). */
export function metadataUrlOf(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname.endsWith("/") ? url.pathname.slice(0, -1) : url.pathname;
  return url.origin + METADATA_PATH + path;
}
