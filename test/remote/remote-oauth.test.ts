/**
 * A remote MCP server protected as the MCP authorization specification says,
 * reached by the station as an OAuth confidential client (client_credentials):
 * oidc-provider as the authorization server (its own process), the official
 * TypeScript SDK's Streamable HTTP server behind a bearer check that verifies
 * each JWT against the provider's keys, audience included. The station finds
 * the authorization server from the server's 401, gets a token for the
 * server's resource, keeps it per (entry, tenant), renews it before it
 * expires, and gets a new one once when the server refuses it.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RemoteServer, startRemote, stopAllRemotes } from "../support/remote-server.ts";
import { type TestStation, startStation } from "../support/station.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-remote-oauth-"));
let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
  await stopAllRemotes();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The authorization server with `clients` ("id:secret,…") and the MCP server that takes its tokens. */
async function protectedServer(clients: string, asEnv: Record<string, string> = {}): Promise<{ as: RemoteServer; mcp: RemoteServer }> {
  const as = await startRemote("oauth-as", { CLIENTS: clients, ...asEnv });
  const mcp = await startRemote("sdk-v1-oauth", { ISSUER: as.url });
  return { as, mcp };
}

async function stationWith(servers: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestStation> {
  const file = join(dir, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return startStation({ MCP_STATION_SERVERS_FILE: file, ...env });
}

const text = (reply: { body: any }) => reply.body.data.content[0].text as string;
const tool = async (s: TestStation, id: string, name: string, args: Record<string, unknown> = {}, headers?: Record<string, string>) => {
  const reply = await s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name, arguments: args } }, headers);
  expect(reply.status).toBe(200);
  const answer = text(reply);
  return answer.startsWith("{") ? JSON.parse(answer) : answer;
};
const issued = async (as: RemoteServer) => ((await (await fetch(`${as.url}/issued`)).json()) as { count: number }).count;

describe("a remote server that requires OAuth (client credentials)", () => {
  test("the station finds the authorization server from the 401, gets a token for the server's resource, and reuses it", async () => {
    const { as, mcp } = await protectedServer("station:station-s3cret");
    station = await stationWith({
      far: { url: mcp.url, oauth: { client_id: "station", client_secret: "station-s3cret", scope: "mcp:tools" } },
    });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(200);
    expect(created.body.status).toBe("running");
    const id = created.body.session_id;
    const claims = await tool(station, id, "whoami");
    expect(claims).toMatchObject({ client_id: "station", aud: mcp.url, scope: "mcp:tools" });
    expect(await tool(station, id, "echo", { text: "through oauth" })).toBe("through oauth");
    // One token for the handshake, the listing and every call: it is fresh, so it is not asked for again.
    expect(await issued(as)).toBe(1);
    expect((await tool(station, id, "stats")).tokens).toBe(1);
    const logs = JSON.stringify((await station.call("GET", `/sessions/${id}/logs`)).body);
    expect(logs).not.toContain("station-s3cret");
  });

  test("a token about to expire is renewed before it is sent: the next call carries a new one, and no expired one reaches the server", async () => {
    const { mcp } = await protectedServer("station:station-s3cret", { TOKEN_TTL: "2" });
    station = await stationWith({ far: { url: mcp.url, oauth: { client_id: "station", client_secret: "station-s3cret" } } });
    const id = (await station.create({ server: "far" })).body.session_id;
    const first = await tool(station, id, "whoami");
    // Waits for the token's own expiry (its exp claim), not for a guessed time.
    while (Date.now() <= first.exp * 1000) await Bun.sleep(100);
    const second = await tool(station, id, "whoami");
    expect(second.jti).not.toBe(first.jti);
    expect(second.client_id).toBe("station");
    expect(await tool(station, id, "stats")).toMatchObject({ expired: 0, refused: 0 });
  });

  test("a wrong client secret: the create is a start_failed naming the authorization server's error, and the secret is not shown", async () => {
    const { mcp } = await protectedServer("station:station-s3cret");
    station = await stationWith({ far: { url: mcp.url, oauth: { client_id: "station", client_secret: "not-the-s3cret" } } });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(502);
    expect(created.body.error.data.type).toBe("start_failed");
    expect(created.body.error.message).toContain("refused the client credentials");
    expect(created.body.error.message).toContain("invalid_client");
    expect(JSON.stringify(created.body)).not.toContain("not-the-s3cret");
  });

  test("the authorization server unreachable: a start_failed that says so, not a hang", async () => {
    const { as, mcp } = await protectedServer("station:station-s3cret");
    await as.kill();
    station = await stationWith({ far: { url: mcp.url, oauth: { client_id: "station", client_secret: "station-s3cret" } } });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(502);
    expect(created.body.error.data.type).toBe("start_failed");
    expect(created.body.error.message).toContain("could not be fetched");
  });

  test("the authorization server gone mid-session when the token needs renewing: the call is a remote_refused that says so, and the session stays", async () => {
    const { as, mcp } = await protectedServer("station:station-s3cret", { TOKEN_TTL: "2" });
    station = await stationWith({ far: { url: mcp.url, oauth: { client_id: "station", client_secret: "station-s3cret" } } });
    const id = (await station.create({ server: "far" })).body.session_id;
    const first = await tool(station, id, "whoami");
    await as.kill();
    while (Date.now() <= first.exp * 1000) await Bun.sleep(100);
    const refused = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x" } });
    expect(refused.status).toBe(502);
    expect(refused.body.error.data.type).toBe("remote_refused");
    expect(refused.body.error.message).toContain(`the authorization server ${as.url} is unreachable`);
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("running");
    await as.start();
    expect(await tool(station, id, "echo", { text: "renewed" })).toBe("renewed");
  });

  test("a token the server stops taking mid-session: one new token and the call sent again; refused again, a remote_refused naming the 401", async () => {
    const { as, mcp } = await protectedServer("station:station-s3cret");
    station = await stationWith({ far: { url: mcp.url, oauth: { client_id: "station", client_secret: "station-s3cret" } } });
    const id = (await station.create({ server: "far" })).body.session_id;
    const before = await tool(station, id, "whoami");
    await tool(station, id, "refuse_this_token");
    expect(await tool(station, id, "echo", { text: "still here" })).toBe("still here");
    const after = await tool(station, id, "whoami");
    expect(after.jti).not.toBe(before.jti);
    expect(await issued(as)).toBe(2);
    expect((await tool(station, id, "stats")).refused).toBe(1);

    await tool(station, id, "refuse_all");
    const refused = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "x" } });
    expect(refused.status).toBe(502);
    expect(refused.body.error.data).toMatchObject({ type: "remote_refused", status: 401, url: mcp.url });
    expect(refused.body.error.message).toContain("token revoked");
    // Once: a new token, one retry, and the refusal is the answer.
    expect(await issued(as)).toBe(3);
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("running");
  });

  test("two tenants with their own client credentials as secrets get tokens of their own", async () => {
    const { mcp } = await protectedServer("client-a:secret-of-a,client-b:secret-of-b");
    const A = { authorization: "Bearer tenant-a-key-0123456789" };
    const B = { authorization: "Bearer tenant-b-key-0123456789" };
    station = await stationWith(
      { far: { url: mcp.url, oauth: { client_id: { secret: "far-client-id" }, client_secret: { secret: "far-client-secret" } } } },
      {
        MCP_STATION_API_KEYS: "a:tenant-a-key-0123456789,b:tenant-b-key-0123456789",
        MCP_STATION_SECRETS_KEY: Buffer.alloc(32, 1).toString("base64"),
      },
    );
    for (const [headers, tenant] of [
      [A, "a"],
      [B, "b"],
    ] as const) {
      expect((await station.call("PUT", "/secrets/far-client-id", { value: `client-${tenant}` }, headers)).status).toBe(200);
      expect((await station.call("PUT", "/secrets/far-client-secret", { value: `secret-of-${tenant}` }, headers)).status).toBe(200);
    }
    const ofA = (await station.call("POST", "/sessions", { server: "far" }, A)).body.session_id;
    const ofB = (await station.call("POST", "/sessions", { server: "far" }, B)).body.session_id;
    const a = await tool(station, ofA, "whoami", {}, A);
    const b = await tool(station, ofB, "whoami", {}, B);
    expect(a.client_id).toBe("client-a");
    expect(b.client_id).toBe("client-b");
    expect(a.jti).not.toBe(b.jti);
  });
});
