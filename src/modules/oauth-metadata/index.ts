/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728), served without a
 * credential when OAuth is on: at `/.well-known/oauth-protected-resource` for
 * the station, and with the MCP endpoint's path appended
 * (`/.well-known/oauth-protected-resource/servers/files/mcp`) for each
 * endpoint, the URL every 401 of that endpoint names in `resource_metadata`.
 *
 * @example
 *   curl localhost:20100/.well-known/oauth-protected-resource/servers/files/mcp
 *   // {"resource":"https://station.example/servers/files/mcp","authorization_servers":["https://idp.example"],...}
 */
import { Elysia, t } from "elysia";
import { NotFound } from "../../errors.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { METADATA_PATH, type ProtectedResource } from "../../security/oauth.ts";

const Metadata = t.Object(
  {
    resource: t.String(),
    authorization_servers: t.Array(t.String()),
    scopes_supported: t.Optional(t.Array(t.String())),
    bearer_methods_supported: t.Array(t.String()),
    resource_name: t.String(),
  },
  { description: "RFC 9728 §2" },
);

export const oauthMetadataModule = (resource: ProtectedResource) => {
  const document = (suffix: string, set: { headers: Record<string, string | number> }) => {
    const found = resource.metadata(suffix);
    if (!found) throw new NotFound(`no protected resource at ${METADATA_PATH}${suffix}`);
    // Public by design: a client in a browser page (an MCP inspector, a web IDE) must be able to read it.
    set.headers["access-control-allow-origin"] = "*";
    return found as typeof Metadata.static;
  };
  const hooks = { response: { 200: Metadata, 404: ErrorBody } };
  return (
    new Elysia({ name: "oauth-metadata", tags: ["oauth"] })
      .get(METADATA_PATH, ({ set }) => document("", set), {
        ...hooks,
        detail: { summary: "The station's OAuth protected resource metadata (RFC 9728)", security: [] },
      })
      .get(`${METADATA_PATH}/*`, ({ params, set }) => document(`/${params["*"]}`, set), {
        ...hooks,
        detail: {
          summary: "An MCP endpoint's OAuth protected resource metadata",
          description: "The endpoint's path appended to the well-known path: /sessions/{id}/mcp or /servers/{name}/mcp.",
          security: [],
        },
      })
      // The SDK sends MCP-Protocol-Version with its metadata request, so a browser asks first.
      .options(`${METADATA_PATH}/*`, preflight, { detail: { hide: true } })
      .options(METADATA_PATH, preflight, { detail: { hide: true } })
  );
};

const preflight = () =>
  new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET",
      "access-control-allow-headers": "mcp-protocol-version",
    },
  });
