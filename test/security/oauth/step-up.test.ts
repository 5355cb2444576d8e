/**
 * Step-up authorization for one tool (MCP 2025-11-25, "Scope Challenge
 * Handling"): the access rules give `echo` and `get-sum` to mcp:tools and
 * `get-env` to mcp:admin. A token with mcp:tools calling get-env on an MCP
 * endpoint gets 403 with `WWW-Authenticate: Bearer error="insufficient_scope",
 * scope="mcp:tools mcp:admin"`; the official SDK client authorizes again
 * for those scopes, and its retried call succeeds. A tool no scope would give
 * stays -32017, and the REST API answers as before. Through a group, a
 * member's rule challenges the same way, on the member's own tool name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RpcCode } from "../../../src/errors.ts";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY } from "../../setup/paths.ts";
import { type LoggedStation, startLoggedStation } from "../support.ts";
import {
  type AuthorizationServer,
  MemoryOAuthProvider,
  clickThrough,
  connectWithOAuth,
  freePort,
  startAuthorizationServer,
} from "./support.ts";

const EVERYTHING = { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] };

let as: AuthorizationServer;
let station: LoggedStation;

beforeAll(async () => {
  as = await startAuthorizationServer();
  const registryFile = `${Bun.env.TMPDIR ?? "/tmp"}/oauth-step-up-${process.pid}/servers.json`;
  await Bun.write(
    registryFile,
    JSON.stringify({
      mcpServers: { everything: EVERYTHING, "admin-only": EVERYTHING, "team-only": EVERYTHING, left: EVERYTHING, right: EVERYTHING },
      // Two copies of one server: left keeps the bare names, right's are prefixed (right__get-env).
      mcpGroups: { pair: { members: ["left", "right"] } },
      access: {
        rules: [
          { scopes: ["mcp:tools"], servers: ["everything"], tools: { allow: ["echo", "get-sum"] } },
          { scopes: ["mcp:admin"], servers: ["everything"], tools: { allow: ["get-env"] } },
          { scopes: ["mcp:admin"], servers: ["admin-only"], tools: { allow: ["echo"] } },
          // A tenant, not a scope, gives it: no challenge could help.
          { tenants: ["team-ops"], servers: ["team-only"] },
          // The group's own rules, on its names: all but right__get-sum, which mcp:admin gives.
          { scopes: ["mcp:tools"], servers: ["pair"], tools: { allow: ["*echo", "*get-env", "*get-tiny-image", "get-sum"] } },
          { scopes: ["mcp:admin"], servers: ["pair"], tools: { allow: ["right__get-sum"] } },
          // Its members' rules, on their own names: right's get-env needs mcp:admin.
          { scopes: ["mcp:tools"], servers: ["left", "right"], tools: { allow: ["echo", "get-sum"] } },
          { scopes: ["mcp:admin"], servers: ["right"], tools: { allow: ["get-env"] } },
          // mcp:audit would give right its get-tiny-image, but takes it from the group: no help.
          { scopes: ["mcp:audit"], servers: ["right"], tools: { allow: ["get-tiny-image"] } },
          { scopes: ["mcp:audit"], servers: ["pair"], tools: { deny: ["right__get-tiny-image"] } },
        ],
      },
    }),
  );
  const port = freePort();
  station = await startLoggedStation(
    {
      MCP_STATION_OAUTH_AUTHORIZATION_SERVERS: as.issuer,
      MCP_STATION_OAUTH_RESOURCE: `http://127.0.0.1:${port}`,
      MCP_STATION_OAUTH_SCOPES: "mcp:tools",
      MCP_STATION_JWT_JWKS_URL: `${as.issuer}/jwks`,
      MCP_STATION_SERVERS_FILE: registryFile,
    },
    "127.0.0.1",
    port,
  );
});

afterAll(async () => {
  await station?.stop();
  await as?.stop();
});

/**
 * A client registered for every scope it may step up to: oidc-provider confines a client to the scopes it
 * registered, and the SDK registers for the scope of the first 401 only.
 */
async function registeredProvider(resource?: string): Promise<MemoryOAuthProvider> {
  const provider = new MemoryOAuthProvider("mcp:tools", resource);
  const registered = await fetch(`${as.issuer}/reg`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...provider.clientMetadata, scope: "mcp:tools mcp:admin" }),
  });
  provider.client = (await registered.json()) as MemoryOAuthProvider["client"];
  return provider;
}

/** A token with mcp:tools for the station itself (good on the REST API and every MCP endpoint), and its provider. */
async function stationToken(): Promise<{ provider: MemoryOAuthProvider; bearer: { authorization: string } }> {
  const provider = await registeredProvider(station.url);
  const first = new StreamableHTTPClientTransport(new URL(`${station.url}/servers/everything/mcp`), { authProvider: provider });
  await new Client({ name: "oauth-test", version: "1" }).connect(first).catch(() => {});
  await first.finishAuth(await clickThrough(provider.authorizationUrl!, "team-s"));
  return { provider, bearer: { authorization: `Bearer ${provider.saved!.access_token}` } };
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "curl", version: "1" } },
};

const scopesOf = (token: string): string => JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).scope;

/**
 * A session of `server` created with a station token, and a legacy MCP client initialized on its endpoint:
 * `call(name)` is a tools/call on it.
 */
async function legacyClientOf(server: string) {
  const { bearer } = await stationToken();
  const created = await station.call("POST", "/sessions", { server }, bearer);
  expect(created.status).toBe(200);
  const id = created.body.session_id as string;
  const mcp = `/sessions/${id}/mcp`;
  const headers = { ...bearer, accept: "application/json, text/event-stream" };
  const init = await station.call("POST", mcp, INITIALIZE, headers);
  const session = { ...headers, "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-11-25" };
  const call = (name: string) =>
    station.call("POST", mcp, { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name, arguments: {} } }, session);
  return { bearer, id, mcp, headers, call };
}

describe("a tool one more scope would allow", () => {
  test("the official SDK client meets the challenge, authorizes again for the wider scope, and its retried call succeeds", async () => {
    const endpoint = new URL(`${station.url}/servers/everything/mcp`);
    const provider = await registeredProvider();
    const client = await connectWithOAuth(endpoint, provider, "team-s");
    expect(scopesOf(provider.saved!.access_token)).toBe("mcp:tools");
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    expect(tools.sort()).toEqual(["echo", "get-sum"]);

    // No scope gives get-tiny-image: refused as before, a JSON-RPC error the SDK raises as such.
    await expect(client.callTool({ name: "get-tiny-image", arguments: {} })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
    expect(provider.authorizationUrl!.searchParams.get("scope")).toBe("mcp:tools");

    // mcp:admin gives get-env: the SDK reads the 403's challenge and sends the person to authorize again.
    await expect(client.callTool({ name: "get-env", arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    const again = provider.authorizationUrl!;
    expect(again.searchParams.get("scope")).toBe("mcp:tools mcp:admin");
    expect(again.searchParams.get("resource")).toBe(endpoint.href);
    const transport = client.transport as StreamableHTTPClientTransport;
    await transport.finishAuth(await clickThrough(again, "team-s"));
    expect(scopesOf(provider.saved!.access_token)).toBe("mcp:tools mcp:admin");

    const env = await client.callTool({ name: "get-env", arguments: {} });
    expect((env.content as { type: string; text: string }[])[0]!.text).toContain("PATH");
    // The wider token still has what the first one had.
    expect((await client.callTool({ name: "get-sum", arguments: { a: 2, b: 3 } })).content).toEqual([
      { type: "text", text: "The sum of 2 and 3 is 5." },
    ]);
    await client.close();
  });

  test("on /sessions/{id}/mcp the answer is 403 with the challenge and -32017 naming the scope; /mcp/request answers as before", async () => {
    const { bearer, id, mcp, headers, call } = await legacyClientOf("everything");

    const challenged = await call("get-env");
    expect(challenged.status).toBe(403);
    expect(challenged.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${station.url}/.well-known/oauth-protected-resource${mcp}", scope="mcp:tools mcp:admin", ` +
        `error="insufficient_scope", error_description="the tool get-env needs the scope mcp:admin"`,
    );
    expect(challenged.body).toEqual({
      jsonrpc: "2.0",
      id: 2,
      error: {
        code: RpcCode.AccessDenied,
        message: 'tool "get-env" of everything needs the scope mcp:admin, which the token lacks',
        data: { type: "access_denied", tool: "get-env", server: "everything", required_scope: "mcp:admin" },
      },
    });

    // A 2026-07-28 client's stateless request meets the same challenge.
    const modern = await station.call(
      "POST",
      mcp,
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "get-env", arguments: {} } },
      { ...headers, "mcp-protocol-version": "2026-07-28" },
    );
    expect(modern.status).toBe(403);
    expect(modern.headers.get("www-authenticate")).toBe(challenged.headers.get("www-authenticate"));

    // No scope would help: a JSON-RPC error in the call's event stream, as every refusal was.
    const refused = await call("get-tiny-image");
    expect(refused.status).toBe(200);
    expect(refused.headers.get("www-authenticate")).toBeNull();
    const event = (refused.body as string).split("\n").find((line) => line.startsWith("data: {"))!;
    expect(JSON.parse(event.slice("data: ".length)).error.code).toBe(RpcCode.AccessDenied);

    // The REST API is not an MCP client's: its answer stays 403 access_denied with no challenge.
    const rest = await station.call(
      "POST",
      "/mcp/request",
      { session_id: id, method: "tools/call", params: { name: "get-env", arguments: {} } },
      bearer,
    );
    expect(rest.status).toBe(403);
    expect(rest.headers.get("www-authenticate")).toBeNull();
    expect(rest.body.error).toMatchObject({ code: RpcCode.AccessDenied, data: { type: "access_denied", tool: "get-env" } });
  });
});

describe("a group's tool its member would allow with one more scope", () => {
  test("on /sessions/{id}/mcp the answer is 403 with the challenge naming the member's scope, in both eras; a tool no scope gives stays -32017", async () => {
    const { bearer, id, mcp, headers, call } = await legacyClientOf("pair");

    // right's get-env, under the group's name for it: right's rule gives it to mcp:admin.
    const challenged = await call("right__get-env");
    expect(challenged.status).toBe(403);
    expect(challenged.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${station.url}/.well-known/oauth-protected-resource${mcp}", scope="mcp:tools mcp:admin", ` +
        `error="insufficient_scope", error_description="the tool right__get-env needs the scope mcp:admin"`,
    );
    expect(challenged.body.error).toEqual({
      code: RpcCode.AccessDenied,
      message: 'tool "right__get-env" of pair needs the scope mcp:admin, which the token lacks',
      data: { type: "access_denied", tool: "right__get-env", server: "pair", required_scope: "mcp:admin" },
    });
    const modern = await station.call(
      "POST",
      mcp,
      { jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "right__get-env", arguments: {} } },
      { ...headers, "mcp-protocol-version": "2026-07-28" },
    );
    expect(modern.status).toBe(403);
    expect(modern.headers.get("www-authenticate")).toBe(challenged.headers.get("www-authenticate"));

    // The group's own rule refuses right__get-sum (right's allows get-sum): the group's scope is named, as before.
    const byGroup = await call("right__get-sum");
    expect(byGroup.status).toBe(403);
    expect(byGroup.body.error.data).toEqual({
      type: "access_denied",
      tool: "right__get-sum",
      server: "pair",
      required_scope: "mcp:admin",
    });

    // No scope would help: a JSON-RPC error in the call's event stream, from the member that refused it.
    const refusedBy = async (name: string) => {
      const refused = await call(name);
      expect(refused.status).toBe(200);
      expect(refused.headers.get("www-authenticate")).toBeNull();
      const event = (refused.body as string).split("\n").find((line) => line.startsWith("data: {"))!;
      const { error } = JSON.parse(event.slice("data: ".length));
      expect(error.code).toBe(RpcCode.AccessDenied);
      return error.data.server;
    };
    // left's get-env (the same tool of the same server, under its bare name): no rule gives it to any scope.
    expect(await refusedBy("get-env")).toBe("left");
    // mcp:audit would let right call its get-tiny-image, but the group's rules would then refuse it.
    expect(await refusedBy("right__get-tiny-image")).toBe("right");
    await station.call("DELETE", `/sessions/${id}`, undefined, bearer);
  });

  test("the official SDK client on /servers/pair/mcp steps up for the member's scope, and its retried call succeeds", async () => {
    const endpoint = new URL(`${station.url}/servers/pair/mcp`);
    const provider = await registeredProvider();
    const client = await connectWithOAuth(endpoint, provider, "team-s");
    expect(scopesOf(provider.saved!.access_token)).toBe("mcp:tools");
    await expect(client.callTool({ name: "right__get-env", arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
    const again = provider.authorizationUrl!;
    expect(again.searchParams.get("scope")).toBe("mcp:tools mcp:admin");
    await (client.transport as StreamableHTTPClientTransport).finishAuth(await clickThrough(again, "team-s"));
    expect(scopesOf(provider.saved!.access_token)).toBe("mcp:tools mcp:admin");

    const env = await client.callTool({ name: "right__get-env", arguments: {} });
    expect((env.content as { type: string; text: string }[])[0]!.text).toContain("PATH");
    // left's get-env is still refused: mcp:admin is right's, not left's.
    await expect(client.callTool({ name: "get-env", arguments: {} })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
    await client.close();
  });
});

describe("a server one more scope would allow", () => {
  test("/servers/{name}/mcp answers 403 with the challenge naming the scope; the SDK client steps up and its initialize succeeds", async () => {
    const { provider, bearer } = await stationToken();
    const path = "/servers/admin-only/mcp";
    const headers = { ...bearer, accept: "application/json, text/event-stream" };
    const challenged = await station.call("POST", path, INITIALIZE, headers);
    expect(challenged.status).toBe(403);
    expect(challenged.headers.get("www-authenticate")).toBe(
      `Bearer resource_metadata="${station.url}/.well-known/oauth-protected-resource${path}", scope="mcp:tools mcp:admin", ` +
        `error="insufficient_scope", error_description="the server admin-only needs the scope mcp:admin"`,
    );
    expect(challenged.body.error).toEqual({
      code: RpcCode.AccessDenied,
      message: "server admin-only needs the scope mcp:admin, which the token lacks",
      data: { type: "access_denied", server: "admin-only", required_scope: "mcp:admin" },
    });
    // A 2026-07-28 client's stateless request meets the same challenge; no process was started for either.
    const modern = await station.call(
      "POST",
      path,
      { jsonrpc: "2.0", id: 2, method: "tools/list", params: {} },
      { ...headers, "mcp-protocol-version": "2026-07-28" },
    );
    expect(modern.status).toBe(403);
    expect(modern.headers.get("www-authenticate")).toBe(challenged.headers.get("www-authenticate"));
    expect(station.manager.list().filter((session) => session.spec.server === "admin-only")).toEqual([]);

    // The official SDK client reads the challenge at its initialize and sends the person to authorize again.
    const endpoint = new URL(station.url + path);
    await expect(
      new Client({ name: "oauth-test", version: "1" }).connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider })),
    ).rejects.toBeInstanceOf(UnauthorizedError);
    const again = provider.authorizationUrl!;
    expect(again.searchParams.get("scope")).toBe("mcp:tools mcp:admin");
    const code = await clickThrough(again, "team-s");
    await new StreamableHTTPClientTransport(endpoint, { authProvider: provider }).finishAuth(code);
    expect(scopesOf(provider.saved!.access_token)).toBe("mcp:tools mcp:admin");
    const client = new Client({ name: "oauth-test", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider }));
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["echo"]);
    await client.close();
  });

  test("a server no scope would give, and POST /sessions, answer 403 access_denied with no challenge, as before", async () => {
    const { bearer } = await stationToken();
    const headers = { ...bearer, accept: "application/json, text/event-stream" };
    const tenantOnly = await station.call("POST", "/servers/team-only/mcp", INITIALIZE, headers);
    expect(tenantOnly.status).toBe(403);
    expect(tenantOnly.headers.get("www-authenticate")).toBeNull();
    expect(tenantOnly.body.error.data).toEqual({ type: "access_denied", server: "team-only" });
    // The REST API is not an MCP client's: no challenge there either.
    const rest = await station.call("POST", "/sessions", { server: "admin-only" }, bearer);
    expect(rest.status).toBe(403);
    expect(rest.headers.get("www-authenticate")).toBeNull();
    expect(rest.body.error.data).toEqual({ type: "access_denied", server: "admin-only" });
  });
});
