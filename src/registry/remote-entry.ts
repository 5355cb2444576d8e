/**
 * A registry entry with a `url` instead of a `command`: a remote MCP server
 * the station connects to over Streamable HTTP, in the shape Cursor and VS
 * Code already write (`{"url": …, "headers": {…}}`, with an optional `type`
 * of "http" or "streamable-http", or "sse" for the deprecated HTTP+SSE
 * transport). A header's value is a string, or a reference to a tenant's
 * secret resolved at connect time. `oauth` makes the station an OAuth
 * client of the server's authorization server (client_credentials, found as
 * the MCP authorization specification says: src/remote/oauth-client.ts).
 *
 * @example
 *   { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": { "secret": "example", "prefix": "Bearer " } } }
 *   { "url": "https://mcp.example.com/mcp", "oauth": { "client_id": "station", "client_secret": { "secret": "far-client-secret" } } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { ToolCuration } from "../sessions/curation.ts";
import { RestartPolicy } from "../sessions/launch-request.ts";
import { RemoteOAuth } from "./remote-oauth.ts";
import { SecretOrValue } from "./secret-ref.ts";

export const RemoteFileEntry = Type.Object({
  url: Type.String({ pattern: "^https?://" }),
  type: Type.Optional(
    Type.Union([Type.Literal("http"), Type.Literal("streamable-http"), Type.Literal("streamableHttp"), Type.Literal("sse")]),
  ),
  headers: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$" }), SecretOrValue)),
  oauth: Type.Optional(RemoteOAuth),
  station: Type.Optional(
    Type.Object({
      restart_policy: Type.Optional(RestartPolicy),
      max_restarts: Type.Optional(Type.Integer({ minimum: 0 })),
      tools: Type.Optional(ToolCuration),
      pinned_tools: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: "^sha256:[0-9a-f]{64}$" }))),
    }),
  ),
});
export type RemoteFileEntry = Static<typeof RemoteFileEntry>;
