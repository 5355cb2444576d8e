/**
 * The access rules in force, read through the API (docs/security.md, Access
 * rules): GET /access shows an admin the registry file's `access` section as
 * written, with the version of the file; a tenant is refused. GET /access/me
 * shows any caller what the rules give it. Both follow the file: without a
 * section the rules are off and everyone may do everything; an edit that
 * adds or changes rules is served once the station has reloaded the file.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RpcCode } from "../../src/errors.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { ADMIN_KEY, KEY_A, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

const SERVERS = {
  echo: { command: "node", args: [fixture("echo.mjs")] },
  params: { command: "node", args: [fixture("param-headers.mjs")] },
};
const GROUPS = { pair: { members: ["echo", "params"] } };
const RULES = [
  { tenants: ["a"], servers: ["echo", "pair"], tools: { allow: ["echo", "s*"], deny: ["slow"] }, resources: { allow: ["file:///tmp/*"] } },
  { scopes: ["mcp:params"], claims: { groups: ["ops"] }, servers: ["params"], prompts: { deny: ["*"] } },
  { admin: true, servers: ["*"] },
];
const EVERYTHING = { allow: ["*"], deny: [] };

let dir: string;
let station: LoggedStation;

/** Writes the file as editors do, a temporary renamed over it, and resolves once the station serves that version. */
async function save(content: unknown): Promise<void> {
  const before = (await station.call("GET", "/access", undefined, station.as(ADMIN_KEY))).body.registry.version;
  const temporary = join(dir, `.servers.json.${crypto.randomUUID()}`);
  writeFileSync(temporary, JSON.stringify(content));
  renameSync(temporary, join(dir, "servers.json"));
  const reloaded = await eventually(
    async () => (await station.call("GET", "/access", undefined, station.as(ADMIN_KEY))).body.registry.version > before,
    10_000,
  );
  expect(reloaded).toBe(true);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-station-access-api-"));
  writeFileSync(join(dir, "servers.json"), JSON.stringify({ mcpServers: SERVERS, mcpGroups: GROUPS }));
  station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_SERVERS_FILE: join(dir, "servers.json") });
});
afterAll(async () => {
  await station?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("GET /access and GET /access/me", () => {
  test("without an access section the rules are off: no rules, and every caller may use everything of every server", async () => {
    const shown = await station.call("GET", "/access", undefined, station.as(ADMIN_KEY));
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ enabled: false, rules: [], registry: { file: join(dir, "servers.json"), version: 1 } });
    const mine = await station.call("GET", "/access/me", undefined, station.as(KEY_A));
    expect(mine.body).toEqual({
      enabled: false,
      caller: { tenant: "a", admin: false, scopes: [] },
      servers: ["echo", "params"].map((name) => ({ name, tools: EVERYTHING, prompts: EVERYTHING, resources: EVERYTHING })),
      groups: [
        {
          name: "pair",
          tools: EVERYTHING,
          prompts: EVERYTHING,
          resources: EVERYTHING,
          members: ["echo", "params"].map((name) => ({ name, tools: EVERYTHING, prompts: EVERYTHING, resources: EVERYTHING })),
        },
      ],
    });
  });

  test("an admin sees the rules as the file writes them, in order, with the version they came from", async () => {
    await save({ mcpServers: SERVERS, mcpGroups: GROUPS, access: { rules: RULES } });
    const shown = await station.call("GET", "/access", undefined, station.as(ADMIN_KEY));
    expect(shown.status).toBe(200);
    expect(shown.body.enabled).toBe(true);
    expect(shown.body.rules).toEqual(RULES);
    expect(shown.body.registry).toMatchObject({ version: 2, last_error: null, reloads: { ok: 1, failed: 0 } });
  });

  test("a tenant is refused the rules with 403, and without a credential the answer is 401", async () => {
    const refused = await station.call("GET", "/access", undefined, station.as(KEY_A));
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: RpcCode.Forbidden, data: { type: "forbidden" } });
    expect(refused.body.error.message).toContain("GET /access/me");
    expect(JSON.stringify(refused.body)).not.toContain("mcp:params");
    expect((await station.call("GET", "/access")).status).toBe(401);
  });

  test("GET /access/me: a tenant sees the servers and groups it may start and the globs that apply to it", async () => {
    const mine = await station.call("GET", "/access/me", undefined, station.as(KEY_A));
    expect(mine.status).toBe(200);
    const echo = {
      name: "echo",
      tools: { allow: ["echo", "s*"], deny: ["slow"] },
      prompts: EVERYTHING,
      resources: { allow: ["file:///tmp/*"], deny: [] },
    };
    const nothing = { allow: [], deny: [] };
    expect(mine.body).toEqual({
      enabled: true,
      caller: { tenant: "a", admin: false, scopes: [] },
      servers: [echo],
      // The group's own rules apply to its names; each member's to its own: none applies to tenant a on params.
      groups: [{ ...echo, name: "pair", members: [echo, { name: "params", tools: nothing, prompts: nothing, resources: nothing }] }],
    });
    // What the view says is what the station does: params cannot be started, echo's slow tool is hidden.
    expect((await station.call("POST", "/sessions", { server: "params" }, station.as(KEY_A))).status).toBe(403);
    const session = (await station.call("POST", "/sessions", { server: "echo" }, station.as(KEY_A))).body.session_id;
    const listed = await station.call("POST", "/mcp/request", { session_id: session, method: "tools/list" }, station.as(KEY_A));
    const names = listed.body.data.tools.map((tool: { name: string }) => tool.name);
    expect(names).toContain("echo");
    expect(names).not.toContain("slow");
    await station.call("DELETE", `/sessions/${session}`, undefined, station.as(KEY_A));
  });

  test("after an edit of the file, the new rules are served, and a file refused leaves the rules in force", async () => {
    const edited = [{ tenants: ["a", "b"], servers: ["params"] }, RULES[2]];
    await save({ mcpServers: SERVERS, mcpGroups: GROUPS, access: { rules: edited } });
    const shown = (await station.call("GET", "/access", undefined, station.as(ADMIN_KEY))).body;
    expect(shown.rules).toEqual(edited);
    expect(shown.registry.version).toBe(3);
    const mine = (await station.call("GET", "/access/me", undefined, station.as(KEY_A))).body;
    expect(mine.servers.map((server: { name: string }) => server.name)).toEqual(["params"]);
    expect(mine.groups).toEqual([]);

    // An invalid rule refuses the whole file: the rules shown are still those of version 3, and the error says why.
    writeFileSync(join(dir, "servers.json"), JSON.stringify({ mcpServers: SERVERS, access: { rules: [{ tenants: ["a"] }] } }));
    const refused = await eventually(
      async () => (await station.call("GET", "/access", undefined, station.as(ADMIN_KEY))).body.registry.last_error,
      10_000,
    );
    expect(refused.message).toContain("access");
    const after = (await station.call("GET", "/access", undefined, station.as(ADMIN_KEY))).body;
    expect(after.rules).toEqual(edited);
    expect(after.registry.version).toBe(3);
  });

  test("the routes are in the OpenAPI document", async () => {
    const document = (await station.call("GET", "/openapi/json", undefined, station.as(ADMIN_KEY))).body;
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(["/access", "/access/me"]));
    expect(document.paths["/access"].get.responses["403"]).toBeDefined();
  });
});
