/** The protected resource's rules on their own: which audiences a path accepts, where metadata is, and a station behind a path prefix. */
import { describe, expect, test } from "bun:test";
import { ProtectedResource } from "../../../src/security/oauth.ts";

const at = (resource: string, extra: Partial<ConstructorParameters<typeof ProtectedResource>[0]> = {}) =>
  new ProtectedResource({ resource, authorizationServers: ["https://idp.example"], scopes: ["mcp:tools"], ...extra });

describe("audiences", () => {
  const station = at("https://station.example/");
  test("the station's URI (with or without its trailing slash) works everywhere; an endpoint's only on that endpoint", () => {
    expect(station.accepts(["https://station.example"], "/sessions")).toBe(true);
    expect(station.accepts(["https://station.example/"], "/servers/a/mcp")).toBe(true);
    expect(station.accepts(["https://station.example/servers/a/mcp"], "/servers/a/mcp")).toBe(true);
    expect(station.accepts(["https://station.example/servers/b/mcp"], "/servers/a/mcp")).toBe(false);
    expect(station.accepts(["https://station.example/servers/a/mcp"], "/sessions")).toBe(false);
    expect(station.accepts(["https://other.example"], "/sessions")).toBe(false);
    expect(station.accepts([], "/sessions")).toBe(false);
    expect(station.accepts(["https://other.example", "https://station.example"], "/sessions")).toBe(true);
  });
  test("MCP_STATION_JWT_AUDIENCE adds one accepted audience", () => {
    expect(at("https://station.example", { extraAudience: "api://station" }).accepts(["api://station"], "/sessions")).toBe(true);
  });
});

describe("metadata", () => {
  test("a station behind a path prefix: the well-known path goes between host and path (RFC 9728 §3.1)", () => {
    const behind = at("https://proxy.example/station");
    expect(behind.metadataUrl("/servers/a/mcp")).toBe("https://proxy.example/.well-known/oauth-protected-resource/station/servers/a/mcp");
    expect(behind.metadataUrl("/sessions")).toBe("https://proxy.example/.well-known/oauth-protected-resource/station");
    expect(behind.metadata("/station/servers/a/mcp")?.resource).toBe("https://proxy.example/station/servers/a/mcp");
    expect(behind.metadata("/station")?.resource).toBe("https://proxy.example/station");
    expect(behind.metadata("/servers/a/mcp")).toBeUndefined();
    expect(behind.accepts(["https://proxy.example/station/servers/a/mcp"], "/servers/a/mcp")).toBe(true);
  });
  test("only the station and its MCP endpoints have metadata", () => {
    const station = at("https://station.example");
    expect(station.metadata("")?.resource).toBe("https://station.example");
    expect(station.metadata("/sessions/x/mcp")?.resource).toBe("https://station.example/sessions/x/mcp");
    for (const suffix of ["/sessions", "/servers/a", "/servers/a/mcp/x", "/mcp/request"]) expect(station.metadata(suffix)).toBeUndefined();
  });
  test("challenges: the scope, and the error only when a token was sent", () => {
    const station = at("https://station.example");
    expect(station.challenge("/sessions")).toBe(
      'Bearer resource_metadata="https://station.example/.well-known/oauth-protected-resource", scope="mcp:tools"',
    );
    expect(station.challenge("/servers/a/mcp", { error: "invalid_token", description: 'bad "token"' })).toBe(
      'Bearer resource_metadata="https://station.example/.well-known/oauth-protected-resource/servers/a/mcp", scope="mcp:tools", error="invalid_token", error_description="bad \'token\'"',
    );
    // A caller's words in the description (a tool's name) become what RFC 6750 allows there, and a header can carry.
    const odd = station.challenge("/servers/a/mcp", { error: "insufficient_scope", description: "tool 工\n\\x\u0000 needs", scope: ["a"] });
    expect(odd).toEndWith('error_description="tool ???x? needs"');
    expect(new Headers({ "www-authenticate": odd }).get("www-authenticate")).toBe(odd);
  });
});
