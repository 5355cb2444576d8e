/**
 * A registry entry with a `url` instead of a `command`: a remote MCP server
 * the station connects to over Streamable HTTP, in the shape Cursor and VS
 * Code already write (`{"url": …, "headers": {…}}`, with an optional `type`
 * of "http" or "streamable-http"). A header's value is a string, or a
 * reference to a tenant's secret resolved at connect time. The deprecated
 * HTTP+SSE transport (`"type": "sse"`) is not spoken: such entries are
 * skipped with a warning, as before, so a shared file still loads.
 *
 * @example
 *   { "url": "https://mcp.example.com/mcp", "headers": { "Authorization": { "secret": "example", "prefix": "Bearer " } } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { RestartPolicy } from "../sessions/launch-request.ts";
import { SecretOrValue } from "./secret-ref.ts";

export const RemoteFileEntry = Type.Object({
  url: Type.String({ pattern: "^https?://" }),
  type: Type.Optional(Type.Union([Type.Literal("http"), Type.Literal("streamable-http"), Type.Literal("streamableHttp")])),
  headers: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+\\-.^_`|~0-9A-Za-z]+$" }), SecretOrValue)),
  station: Type.Optional(
    Type.Object({
      restart_policy: Type.Optional(RestartPolicy),
      max_restarts: Type.Optional(Type.Integer({ minimum: 0 })),
      pinned_tools: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String({ pattern: "^sha256:[0-9a-f]{64}$" }))),
    }),
  ),
});
export type RemoteFileEntry = Static<typeof RemoteFileEntry>;

/** Whether `raw` speaks a transport the station does not (the deprecated HTTP+SSE one). */
export function isSseEntry(raw: Record<string, unknown>): boolean {
  return raw.type === "sse";
}
