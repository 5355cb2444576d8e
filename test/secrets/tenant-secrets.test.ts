/**
 * Tenants' secrets end to end: written through the API, never read back by
 * any call nor written to a log, encrypted in the store, resolved into a
 * registry entry's env (a fixture reports the value's hash) and a remote
 * server's headers, per tenant, at each start and at restore; the key
 * rotated with the old one listed, and the rows encrypted again.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../src/log.ts";
import { openDatabase } from "../../src/store/database.ts";
import { fixture } from "../setup/paths.ts";
import { startRemote, stopAllRemotes } from "../support/remote-server.ts";
import { type TestStation, startStation } from "../support/station.ts";

const KEY_1 = Buffer.alloc(32, 1).toString("base64");
const KEY_2 = Buffer.alloc(32, 2).toString("base64");
const TENANTS = {
  MCP_STATION_API_KEYS: "a:tenant-a-key-0123456789,b:tenant-b-key-0123456789",
  MCP_STATION_ADMIN_KEYS: "admin-key-0123456789abcdef",
};
const A = { authorization: "Bearer tenant-a-key-0123456789" };
const B = { authorization: "Bearer tenant-b-key-0123456789" };
const ADMIN = { authorization: "Bearer admin-key-0123456789abcdef" };
const VALUE = "ghp_the-value-that-must-not-leak-42";
const sha = (value: string) => createHash("sha256").update(value).digest("hex");

const dir = mkdtempSync(join(tmpdir(), "mcp-station-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
  await stopAllRemotes();
});

function registryFile(servers: Record<string, unknown>): string {
  const file = join(dir, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return file;
}

const HASHING = { hash: { command: "node", args: [fixture("env-hash.mjs")], env: { GITHUB_TOKEN: { secret: "github" }, PLAIN: "x" } } };
const envHash = async (s: TestStation, id: string, headers = A) =>
  (
    await s.call(
      "POST",
      "/mcp/request",
      { session_id: id, method: "tools/call", params: { name: "env_hash", arguments: { name: "GITHUB_TOKEN" } } },
      headers,
    )
  ).body.data.content[0].text as string;

describe("tenant secrets", () => {
  test("a secret written is never read back nor logged, reaches the server's env, and only its own tenant's sessions", async () => {
    const lines: string[] = [];
    station = await startStation(
      { ...TENANTS, MCP_STATION_SECRETS_KEY: KEY_1, MCP_STATION_SERVERS_FILE: registryFile(HASHING) },
      { log: createLogger("debug", (line) => lines.push(line)) },
    );
    const answers: unknown[] = [];
    const call = async (method: string, path: string, body?: unknown, headers = A) => {
      const reply = await station!.call(method, path, body, headers);
      answers.push(reply.body);
      return reply;
    };
    const written = await call("PUT", "/secrets/github", { value: VALUE });
    expect(written.status).toBe(200);
    expect(written.body).toMatchObject({ tenant: "a", name: "github" });
    expect((await call("GET", "/secrets")).body).toMatchObject({ count: 1, secrets: [{ tenant: "a", name: "github" }] });
    expect((await call("GET", "/secrets/github")).status).toBe(404);
    expect((await call("GET", "/secrets", undefined, B)).body.count).toBe(0);
    expect((await call("GET", "/secrets?tenant=a", undefined, B)).status).toBe(403);
    expect((await call("GET", "/secrets?tenant=a", undefined, ADMIN)).body.count).toBe(1);

    const created = await call("POST", "/sessions", { server: "hash" });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    expect(await envHash(station, id)).toBe(sha(VALUE));
    await call("GET", `/sessions/${id}`);
    await call("GET", "/sessions");

    // Tenant b has no secret "github": its session of the same entry is refused, with the fix in the message.
    const refused = await call("POST", "/sessions", { server: "hash" }, B);
    expect(refused.status).toBe(422);
    expect(refused.body.error.data).toMatchObject({ type: "secret_missing", secret: "github", tenant: "b" });
    expect(refused.body.error.message).toContain("PUT /secrets/github");

    // An admin writes tenant b's own secret; b's session of the same entry then gets b's value, not a's.
    expect((await call("PUT", "/secrets/github?tenant=b", { value: "b-value" }, ADMIN)).body).toMatchObject({
      tenant: "b",
      name: "github",
    });
    expect((await call("PUT", "/secrets/github?tenant=a", { value: "x" }, B)).status).toBe(403);
    const ofB = (await call("POST", "/sessions", { server: "hash" }, B)).body.session_id;
    expect(await envHash(station, ofB, B)).toBe(sha("b-value"));
    expect(await envHash(station, id)).toBe(sha(VALUE));

    for (const answer of answers) expect(JSON.stringify(answer)).not.toContain(VALUE);
    expect(lines.join("\n")).not.toContain(VALUE);
    expect(lines.some((line) => line.includes("audit: secret written"))).toBe(true);
  });

  test("a remote server's bearer token comes from the tenant's secret", async () => {
    const remote = await startRemote("sdk-v1", { TOKEN: VALUE });
    station = await startStation({
      MCP_STATION_SECRETS_KEY: KEY_1,
      MCP_STATION_SERVERS_FILE: registryFile({
        far: { url: remote.url, headers: { Authorization: { secret: "far-token", prefix: "Bearer " } } },
      }),
    });
    expect((await station.create({ server: "far" })).status).toBe(422);
    await station.call("PUT", "/secrets/far-token", { value: "not-the-token" });
    const wrong = await station.create({ server: "far" });
    expect(wrong.status).toBe(502);
    expect(wrong.body.error.message).toContain("HTTP 401");
    await station.call("PUT", "/secrets/far-token", { value: VALUE });
    const right = await station.create({ server: "far" });
    expect(right.body.status).toBe("running");
    expect(JSON.stringify(right.body)).not.toContain(VALUE);
  });

  test("without MCP_STATION_SECRETS_KEY there is no secret store, and an entry naming a secret is a clear 422", async () => {
    station = await startStation({ MCP_STATION_SERVERS_FILE: registryFile(HASHING) });
    expect((await station.call("PUT", "/secrets/github", { value: VALUE })).status).toBe(404);
    const created = await station.create({ server: "hash" });
    expect(created.status).toBe(422);
    expect(created.body.error.message).toContain("MCP_STATION_SECRETS_KEY");
  });

  test("restore after a station restart resolves the secret again, as it is then; rotation re-encrypts under the new key", async () => {
    const data = mkdtempSync(join(dir, "data-"));
    const base = { MCP_STATION_PERSISTENCE: "on", MCP_STATION_DATA_DIR: data, MCP_STATION_SERVERS_FILE: registryFile(HASHING) };
    station = await startStation({ ...base, MCP_STATION_SECRETS_KEY: KEY_1 }, { withStore: true });
    await station.call("PUT", "/secrets/github", { value: VALUE });
    const id = (await station.create({ server: "hash" })).body.session_id;
    expect(await envHash(station, id)).toBe(sha(VALUE));
    // Changed while the station runs: the running server keeps the value it started with.
    await station.call("PUT", "/secrets/github", { value: "rotated-value" });
    expect(await envHash(station, id)).toBe(sha(VALUE));
    await station.stop();

    // The key rotates too: the new one in MCP_STATION_SECRETS_KEY, the old one listed for reading.
    station = await startStation({ ...base, MCP_STATION_SECRETS_KEY: KEY_2, MCP_STATION_SECRETS_OLD_KEYS: KEY_1 }, { withStore: true });
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("running");
    expect(await envHash(station, id)).toBe(sha("rotated-value"));
    await station.stop();

    const db = await openDatabase({ dataDir: data });
    const rows = await db.all("select * from mcp_station_secrets");
    await db.close();
    expect(rows).toHaveLength(1);
    expect(String(rows[0]!.ciphertext)).not.toContain("rotated-value");
    expect(rows[0]!.key_id).toBe(createHash("sha256").update(Buffer.alloc(32, 2)).digest("hex").slice(0, 16));

    // Re-encrypted: the new key alone opens it now.
    station = await startStation({ ...base, MCP_STATION_SECRETS_KEY: KEY_2 }, { withStore: true });
    expect(await envHash(station, id)).toBe(sha("rotated-value"));
    await station.stop();

    // A key that never encrypted it opens nothing: a clear 422, not a crash.
    station = await startStation({ ...base, MCP_STATION_SECRETS_KEY: Buffer.alloc(32, 3).toString("base64") }, { withStore: true });
    const created = await station.create({ server: "hash" });
    expect(created.status).toBe(422);
    expect(created.body.error.message).toContain("MCP_STATION_SECRETS_OLD_KEYS");
  });
});
