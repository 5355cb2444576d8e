/**
 * The registry's access rules (docs/security.md, Access rules) inside a group (docs/groups.md): a group is
 * started like a server, so a rule must give the caller the group's name; each member is started for the
 * same caller, so a member the rules do not give it stays out of the group (failed, not retried); and each
 * member's tool rules still apply to the caller through the group, on the member's own tool names.
 */
import { type RegistryFile, writeRegistry } from "../../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../../setup/paths.ts";
import { KEY_A, KEY_B, KEYS_ENV, type LoggedStation, startLoggedStation } from "../../security/support.ts";

let registry: RegistryFile;
let station: LoggedStation;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: { echo: { command: fixture("echo.mjs") }, v1: { command: "node", args: [fixture("sdk-v1-server.mjs")] } },
    mcpGroups: { pair: { members: ["echo", "v1"] } },
    access: {
      rules: [
        // The group's own rule allows every tool; its member echo's rule hides two of echo's.
        { tenants: ["a"], servers: ["pair"] },
        { tenants: ["a"], servers: ["echo"], tools: { deny: ["env", "cwd"] } },
        { tenants: ["b"], servers: ["echo", "v1"] },
      ],
    },
  });
  const serversFile = registry.file;
  station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_SERVERS_FILE: serversFile });
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

describe("access rules and groups", () => {
  test("a group needs a rule for its own name: GET /servers and POST /sessions follow it", async () => {
    const listedB = (await station.call("GET", "/servers", undefined, station.as(KEY_B))).body;
    expect(listedB.groups).toEqual([]);
    const refused = await station.call("POST", "/sessions", { server: "pair" }, station.as(KEY_B));
    expect(refused.status).toBe(403);
    expect(refused.body.error.data.type).toBe("access_denied");
    const listedA = (await station.call("GET", "/servers", undefined, station.as(KEY_A))).body;
    expect(listedA.groups.map((g: { name: string }) => g.name)).toEqual(["pair"]);
  });

  test("a member the rules do not give the caller stays out; a member's tool rules apply through the group", async () => {
    const created = await station.call("POST", "/sessions", { server: "pair" }, station.as(KEY_A));
    expect(created.status).toBe(200);
    const [echo, v1] = created.body.group.members;
    expect(echo.status).toBe("running");
    expect(v1).toMatchObject({ name: "v1", status: "failed", session_id: null });
    expect(v1.error).toContain("access rules");
    const id = created.body.session_id;
    const mcp = (method: string, params: Record<string, unknown>) =>
      station.call("POST", "/mcp/request", { session_id: id, method, params }, station.as(KEY_A));
    const names = ((await mcp("tools/list", {})).body.data.tools as { name: string }[]).map((tool) => tool.name);
    expect(names).toContain("echo");
    expect(names).not.toContain("env");
    expect(names).not.toContain("add");
    const denied = await mcp("tools/call", { name: "env", arguments: { name: "PATH" } });
    expect(denied.status).toBe(403);
    expect(denied.body.error.data).toMatchObject({ type: "access_denied", tool: "env", server: "echo" });
    expect((await mcp("tools/call", { name: "echo", arguments: { text: "allowed" } })).body.data.content[0].text).toBe("allowed");
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(KEY_A));
  });
});
