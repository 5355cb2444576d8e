/**
 * The MCP authorization flow end to end, as Claude, Cursor or VS Code run
 * it: the official SDK client with no credential configured meets a 401 on
 * /servers/{name}/mcp, reads the protected resource metadata it names, finds
 * the authorization server (oidc-provider, a real one on loopback),
 * registers itself, authorizes with PKCE and a resource indicator, and lists
 * and calls server-everything's tools through the station with the token it
 * got. A token for another resource, or short of the scope, is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RpcCode } from "../../../src/errors.ts";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY } from "../../setup/paths.ts";
import { type LoggedStation, startLoggedStation } from "../support.ts";
import {
  type AuthorizationServer,
  MemoryOAuthProvider,
  clickThrough,
  connectWithOAuth as connectWithOAuthTo,
  freePort,
  startAuthorizationServer,
} from "./support.ts";

let as: AuthorizationServer;
let station: LoggedStation;
let registryDir: string;

beforeAll(async () => {
  as = await startAuthorizationServer();
  registryDir = `${Bun.env.TMPDIR ?? "/tmp"}/oauth-flow-${process.pid}`;
  await Bun.write(
    `${registryDir}/servers.json`,
    JSON.stringify({
      mcpServers: { everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] } },
      // The token's scope is what the access rules match: everything but get-env.
      access: { rules: [{ scopes: ["mcp:tools"], servers: ["everything"], tools: { deny: ["get-env"] } }] },
    }),
  );
  const port = freePort();
  station = await startLoggedStation(
    {
      MCP_STATION_OAUTH_AUTHORIZATION_SERVERS: as.issuer,
      MCP_STATION_OAUTH_RESOURCE: `http://127.0.0.1:${port}`,
      MCP_STATION_OAUTH_SCOPES: "mcp:tools",
      MCP_STATION_JWT_JWKS_URL: `${as.issuer}/jwks`,
      MCP_STATION_SERVERS_FILE: `${registryDir}/servers.json`,
    },
    "127.0.0.1",
    port,
  );
});

afterAll(async () => {
  await station?.stop();
  await as?.stop();
});

const endpoint = () => new URL(`${station.url}/servers/everything/mcp`);

const connectWithOAuth = (provider: MemoryOAuthProvider, login: string) => connectWithOAuthTo(endpoint(), provider, login);

describe("protected resource metadata (RFC 9728)", () => {
  test("the station's and each MCP endpoint's documents name the resource, the authorization server and the scopes", async () => {
    const root = await station.call("GET", "/.well-known/oauth-protected-resource");
    expect(root.status).toBe(200);
    expect(root.headers.get("access-control-allow-origin")).toBe("*");
    // A browser's preflight for the SDK's MCP-Protocol-Version header is answered without a credential.
    const preflight = await station.call("OPTIONS", "/.well-known/oauth-protected-resource/servers/everything/mcp", undefined, {
      origin: "https://inspector.example",
      "access-control-request-method": "GET",
      "access-control-request-headers": "mcp-protocol-version",
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toBe("mcp-protocol-version");
    expect(root.body).toEqual({
      resource: station.url,
      authorization_servers: [as.issuer],
      scopes_supported: ["mcp:tools"],
      bearer_methods_supported: ["header"],
      resource_name: "MCP Station",
    });
    for (const path of ["/servers/everything/mcp", "/sessions/0c9a7f7e-0000-4000-8000-000000000000/mcp"]) {
      const own = await station.call("GET", `/.well-known/oauth-protected-resource${path}`);
      expect(own.status).toBe(200);
      expect(own.body.resource).toBe(`${station.url}${path}`);
    }
    expect((await station.call("GET", "/.well-known/oauth-protected-resource/sessions")).status).toBe(404);
  });

  test("a 401 from an MCP endpoint points to that endpoint's metadata and names the scope", async () => {
    const reply = await station.call("POST", "/servers/everything/mcp", {});
    expect(reply.status).toBe(401);
    expect(reply.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${station.url}/.well-known/oauth-protected-resource/servers/everything/mcp", scope="mcp:tools"`,
    );
    const rest = await station.call("GET", "/sessions", undefined, { authorization: "Bearer not.a.token" });
    expect(rest.headers.get("www-authenticate")).toStartWith(
      `Bearer resource_metadata="${station.url}/.well-known/oauth-protected-resource", scope="mcp:tools", error="invalid_token"`,
    );
  });
});

describe("the official SDK client against oidc-provider", () => {
  test("discovers, registers, authorizes with PKCE and a resource indicator, then lists and calls tools", async () => {
    const provider = new MemoryOAuthProvider("mcp:tools");
    const client = await connectWithOAuth(provider, "team-a");
    // Dynamic client registration happened, and the authorization asked for this endpoint with PKCE.
    expect(provider.client?.client_id).toBeString();
    const asked = provider.authorizationUrl!.searchParams;
    expect(asked.get("resource")).toBe(endpoint().href);
    expect(asked.get("code_challenge_method")).toBe("S256");
    // The token is a JWT for this endpoint, for the person who logged in.
    const claims = JSON.parse(Buffer.from(provider.saved!.access_token.split(".")[1]!, "base64url").toString());
    expect(claims.aud).toBe(endpoint().href);
    expect(claims.sub).toBe("team-a");

    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("echo");
    expect(tools).not.toContain("get-env");
    await expect(client.callTool({ name: "get-env", arguments: {} })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
    const echoed = await client.callTool({ name: "echo", arguments: { message: "through oauth" } });
    expect(echoed.content).toEqual([{ type: "text", text: "Echo: through oauth" }]);
    // The station session belongs to the token's tenant.
    const owners = station.manager.list().map((session) => session.spec.owner);
    expect(owners).toContain("team-a");
    await client.close();
  });

  test("a token minted for another resource is refused with invalid_token", async () => {
    const other = `http://127.0.0.1:${freePort()}/mcp`;
    const provider = new MemoryOAuthProvider("mcp:tools", other);
    const first = new StreamableHTTPClientTransport(endpoint(), { authProvider: provider });
    await new Client({ name: "oauth-test", version: "1" }).connect(first).catch(() => {});
    await first.finishAuth(await clickThrough(provider.authorizationUrl!, "team-a"));
    const claims = JSON.parse(Buffer.from(provider.saved!.access_token.split(".")[1]!, "base64url").toString());
    expect(claims.aud).toBe(other);

    const bearer = { authorization: `Bearer ${provider.saved!.access_token}` };
    const refused = await station.call("POST", "/servers/everything/mcp", initialize(), {
      ...bearer,
      accept: "application/json, text/event-stream",
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await station.call("GET", "/sessions", undefined, bearer)).status).toBe(401);
    // The SDK client with that token cannot connect either.
    const again = new Client({ name: "oauth-test", version: "1" });
    await expect(again.connect(new StreamableHTTPClientTransport(endpoint(), { authProvider: provider }))).rejects.toThrow();
  });

  test("a token for this endpoint without the station's scope gets 403 insufficient_scope naming it", async () => {
    const provider = new MemoryOAuthProvider("mcp:read");
    // Registered by hand for both scopes: the SDK registers a client for the scope the 401 names only.
    const registered = await fetch(`${as.issuer}/reg`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...provider.clientMetadata, scope: "mcp:tools mcp:read" }),
    });
    provider.client = (await registered.json()) as MemoryOAuthProvider["client"];
    const first = new StreamableHTTPClientTransport(endpoint(), { authProvider: provider });
    await new Client({ name: "oauth-test", version: "1" }).connect(first).catch(() => {});
    // The SDK asks for the scope the 401 names; a client that asks for less is what this test is about.
    const lesser = new URL(provider.authorizationUrl!);
    lesser.searchParams.set("scope", "mcp:read");
    await first.finishAuth(await clickThrough(lesser, "team-b"));
    const claims = JSON.parse(Buffer.from(provider.saved!.access_token.split(".")[1]!, "base64url").toString());
    expect(claims.scope).toBe("mcp:read");

    const reply = await station.call("POST", "/servers/everything/mcp", initialize(), {
      authorization: `Bearer ${provider.saved!.access_token}`,
      accept: "application/json, text/event-stream",
    });
    expect(reply.status).toBe(403);
    const challenge = reply.headers.get("www-authenticate")!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:tools"');
    expect(challenge).toContain(`resource_metadata="${station.url}/.well-known/oauth-protected-resource/servers/everything/mcp"`);
    expect(reply.body.error.data).toMatchObject({ type: "forbidden", required_scope: "mcp:tools" });
  });
});

function initialize() {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
  };
}

describe("configuration", () => {
  const { loadConfig } = require("../../../src/config.ts") as typeof import("../../../src/config.ts");
  test("OAuth on without the resource URI, or without a way to check signatures, is a clear error at start", () => {
    const on = { MCP_STATION_OAUTH_AUTHORIZATION_SERVERS: "https://idp.example", MCP_STATION_JWT_JWKS_URL: "https://idp.example/jwks" };
    expect(() => loadConfig(on)).toThrow(/MCP_STATION_OAUTH_RESOURCE is not: set it to the URL clients reach the station at/);
    expect(() => loadConfig({ ...on, MCP_STATION_JWT_JWKS_URL: "", MCP_STATION_OAUTH_RESOURCE: "https://s.example" })).toThrow(
      /needs MCP_STATION_JWT_JWKS_URL/,
    );
    expect(() => loadConfig({ ...on, MCP_STATION_OAUTH_RESOURCE: "https://s.example/#x" })).toThrow(/without a fragment/);
    expect(loadConfig({ ...on, MCP_STATION_OAUTH_RESOURCE: "https://s.example" }).oauth?.resource).toBe("https://s.example");
  });
});
