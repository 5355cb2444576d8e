/**
 * Opaque access tokens, end to end: oidc-provider mints opaque tokens (no
 * JWKS can read them), the official SDK client gets one by the MCP
 * authorization flow, and the station checks it at the provider's
 * introspection endpoint (RFC 7662) with its own client credentials. A token
 * for another resource is refused as a JWT would be, a revoked one once its
 * cached answer ends, and an endpoint that is down or slow gets 503
 * token_check_unavailable within the deadline, never a hang or a 500.
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
  STATION_CLIENT,
  clickThrough,
  connectWithOAuth,
  freePort,
  startAuthorizationServer,
} from "./support.ts";

let as: AuthorizationServer;
let station: LoggedStation;
let registryFile: string;

/** The settings of a station that introspects at `url` (the provider's endpoint unless told otherwise). */
function oauthEnv(port: number, url = `${as.issuer}/token/introspection`, extra: Record<string, string> = {}) {
  return {
    MCP_STATION_OAUTH_AUTHORIZATION_SERVERS: as.issuer,
    MCP_STATION_OAUTH_RESOURCE: `http://127.0.0.1:${port}`,
    MCP_STATION_OAUTH_SCOPES: "mcp:tools",
    MCP_STATION_OAUTH_INTROSPECTION_URL: url,
    MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID: STATION_CLIENT.id,
    MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET: STATION_CLIENT.secret,
    // Short, so that the revocation test sees the cached answer end.
    MCP_STATION_OAUTH_INTROSPECTION_CACHE_S: "1",
    MCP_STATION_SERVERS_FILE: registryFile,
    ...extra,
  };
}

beforeAll(async () => {
  as = await startAuthorizationServer({ tokenFormat: "opaque" });
  registryFile = `${Bun.env.TMPDIR ?? "/tmp"}/oauth-introspection-${process.pid}/servers.json`;
  await Bun.write(
    registryFile,
    JSON.stringify({
      mcpServers: { everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] } },
      access: { rules: [{ scopes: ["mcp:tools"], servers: ["everything"], tools: { deny: ["get-env"] } }] },
    }),
  );
  const port = freePort();
  station = await startLoggedStation(oauthEnv(port), "127.0.0.1", port);
});

afterAll(async () => {
  await station?.stop();
  await as?.stop();
});

const endpoint = () => new URL(`${station.url}/servers/everything/mcp`);
const MCP_HEADERS = { accept: "application/json, text/event-stream" };

function initialize() {
  return {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
  };
}

/** An opaque token for `resource` (this endpoint unless told), got by the SDK's flow as `login`. */
async function opaqueToken(login: string, resource?: string): Promise<{ token: string; provider: MemoryOAuthProvider }> {
  const provider = new MemoryOAuthProvider("mcp:tools", resource);
  const first = new StreamableHTTPClientTransport(endpoint(), { authProvider: provider });
  await new Client({ name: "oauth-test", version: "1" }).connect(first).catch(() => {});
  await first.finishAuth(await clickThrough(provider.authorizationUrl!, login));
  return { token: provider.saved!.access_token, provider };
}

describe("opaque tokens checked by introspection", () => {
  test("the SDK client gets an opaque token and lists and calls tools with it, as the token's tenant and scopes", async () => {
    const provider = new MemoryOAuthProvider("mcp:tools");
    const client = await connectWithOAuth(endpoint(), provider, "team-o");
    const token = provider.saved!.access_token;
    // Opaque: not a JWT, so only the introspection endpoint can say what it is.
    expect(token.split(".").length).not.toBe(3);

    // The scope reached the access rules (get-env denied to mcp:tools), the subject the tenant.
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools).toContain("echo");
    expect(tools).not.toContain("get-env");
    await expect(client.callTool({ name: "get-env", arguments: {} })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
    const echoed = await client.callTool({ name: "echo", arguments: { message: "opaque" } });
    expect(echoed.content).toEqual([{ type: "text", text: "Echo: opaque" }]);
    await client.close();

    const created = station.logs.find((line) => line.msg === "audit: session created" && line.tenant === "team-o");
    expect(created?.via).toBe("introspection");
    // Never logged, whatever happened.
    expect(JSON.stringify(station.logs)).not.toContain(token);
  });

  test("the audience is checked as for a JWT: a token for this endpoint is refused elsewhere, one for another resource everywhere", async () => {
    const { token } = await opaqueToken("team-o");
    const bearer = { authorization: `Bearer ${token}` };
    expect((await station.call("POST", "/servers/everything/mcp", initialize(), { ...bearer, ...MCP_HEADERS })).status).toBe(200);
    // Meant for /servers/everything/mcp, not for the station's REST API.
    expect((await station.call("GET", "/sessions", undefined, bearer)).status).toBe(401);

    const other = `http://127.0.0.1:${freePort()}/mcp`;
    const foreign = await opaqueToken("team-o", other);
    const refused = await station.call("POST", "/servers/everything/mcp", initialize(), {
      authorization: `Bearer ${foreign.token}`,
      ...MCP_HEADERS,
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  test("a revoked token is refused once its cached answer ends (MCP_STATION_OAUTH_INTROSPECTION_CACHE_S)", async () => {
    const { token, provider } = await opaqueToken("team-o");
    const post = () => station.call("POST", "/servers/everything/mcp", initialize(), { authorization: `Bearer ${token}`, ...MCP_HEADERS });
    expect((await post()).status).toBe(200);

    const revoked = await fetch(`${as.issuer}/token/revocation`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token, client_id: provider.client!.client_id }),
    });
    expect(revoked.status).toBe(200);
    // The cache holds an answer for a second; the token must be refused after it, within a deadline.
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await Bun.sleep(200);
      status = (await post()).status;
    }
    expect(status).toBe(401);
  });

  test("a made-up token is refused with 401 invalid_token, not 503", async () => {
    const reply = await station.call("POST", "/servers/everything/mcp", initialize(), {
      authorization: "Bearer not-a-token-anyone-issued",
      ...MCP_HEADERS,
    });
    expect(reply.status).toBe(401);
    expect(reply.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });
});

describe("the introspection endpoint unavailable", () => {
  /** A station introspecting at `url`, asked once with a token; stopped after. */
  async function askedThrough(url: string, extra: Record<string, string> = {}) {
    const port = freePort();
    const other = await startLoggedStation(
      oauthEnv(port, url, { MCP_STATION_OAUTH_INTROSPECTION_TIMEOUT_MS: "300", ...extra }),
      "127.0.0.1",
      port,
    );
    try {
      const reply = await other.call("POST", "/servers/everything/mcp", initialize(), {
        authorization: "Bearer an-opaque-token-0123456789",
        ...MCP_HEADERS,
      });
      return { reply, logs: other.logs };
    } finally {
      await other.stop();
    }
  }

  const expectUnavailable = (reply: { status: number; body: any; headers: Headers }) => {
    expect(reply.status).toBe(503);
    expect(reply.headers.get("retry-after")).toBe("2");
    expect(reply.body.error).toMatchObject({ code: RpcCode.TokenCheckUnavailable, data: { type: "token_check_unavailable" } });
  };

  test("an endpoint nobody listens on: 503 token_check_unavailable with Retry-After, and a warning in the log", async () => {
    const { reply, logs } = await askedThrough(`http://127.0.0.1:${freePort()}/introspect`);
    expectUnavailable(reply);
    expect(logs.find((line) => line.msg === "token introspection failed")?.reason).toContain("could not be reached");
  });

  test("an endpoint that never answers: 503 once MCP_STATION_OAUTH_INTROSPECTION_TIMEOUT_MS passes", async () => {
    const silent = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>(() => {}) });
    try {
      const { reply, logs } = await askedThrough(`http://127.0.0.1:${silent.port}/introspect`);
      expectUnavailable(reply);
      expect(logs.find((line) => line.msg === "token introspection failed")?.reason).toBe("it did not answer within 300 ms");
    } finally {
      silent.stop(true);
    }
  });

  test("the station's client refused by the endpoint: 503, and the log names the settings to check", async () => {
    const { reply, logs } = await askedThrough(`${as.issuer}/token/introspection`, {
      MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET: "not the secret",
    });
    expectUnavailable(reply);
    expect(logs.find((line) => line.msg === "token introspection failed")?.reason).toContain(
      "MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET",
    );
  });
});

describe("configuration", () => {
  const { loadConfig } = require("../../../src/config.ts") as typeof import("../../../src/config.ts");
  test("introspection needs OAuth on and the station's client; alone it is enough to check tokens", () => {
    const oauth = { MCP_STATION_OAUTH_AUTHORIZATION_SERVERS: "https://idp.example", MCP_STATION_OAUTH_RESOURCE: "https://s.example" };
    const introspection = {
      MCP_STATION_OAUTH_INTROSPECTION_URL: "https://idp.example/introspect",
      MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID: "station",
      MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET: "s",
    };
    expect(() => loadConfig(introspection)).toThrow(/MCP_STATION_OAUTH_INTROSPECTION_URL needs OAuth on/);
    expect(() => loadConfig({ ...oauth, MCP_STATION_OAUTH_INTROSPECTION_URL: "https://idp.example/introspect" })).toThrow(
      /needs MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID and MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET/,
    );
    expect(() => loadConfig({ ...oauth, ...introspection, MCP_STATION_OAUTH_INTROSPECTION_URL: "ftp://x" })).toThrow(/http\(s\) URL/);
    const config = loadConfig({ ...oauth, ...introspection });
    expect(config.introspection).toMatchObject({
      url: "https://idp.example/introspect",
      tokens: "opaque",
      cacheS: 60,
      issuers: ["https://idp.example"],
    });
  });
});
