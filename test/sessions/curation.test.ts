/**
 * Curation of tools (docs/groups.md, Curation): allow and deny globs,
 * renames and description overrides, per registry entry and per group. A
 * hidden tool is left out of tools/list and refused at call, as is a renamed
 * tool's old name.
 */
import { type RegistryFile, writeRegistry } from "../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolCurator } from "../../src/sessions/curation.ts";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

describe("ToolCurator", () => {
  const tools = ["read_file", "write_file", "delete_file", "list"].map((name) => ({ name, description: `${name}!` }));

  test("allow keeps only matches; deny wins over allow; ? matches one character", () => {
    const curator = new ToolCurator({ allow: ["*_file"], deny: ["delete*"] });
    expect(curator.list(tools).map((t) => t.name)).toEqual(["read_file", "write_file"]);
    expect(new ToolCurator({ allow: ["lis?"] }).list(tools).map((t) => t.name)).toEqual(["list"]);
    expect(curator.original("delete_file")).toBeUndefined();
    expect(curator.original("list")).toBeUndefined();
    expect(curator.original("read_file")).toBe("read_file");
  });

  test("a rename shows the new name only, routes it back, and takes its name from a tool that had it", () => {
    const curator = new ToolCurator({ rename: { read_file: "list" }, describe: { read_file: "Reads." } });
    expect(curator.list(tools)).toEqual([
      { name: "list", description: "Reads." },
      { name: "write_file", description: "write_file!" },
      { name: "delete_file", description: "delete_file!" },
    ]);
    expect(curator.original("list")).toBe("read_file");
    expect(curator.original("read_file")).toBeUndefined();
  });
});

let registry: RegistryFile;
let station: TestStation;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: {
      echo: {
        command: fixture("echo.mjs"),
        station: {
          tools: {
            allow: ["echo", "whoami", "sl*"],
            deny: ["slow"],
            rename: { whoami: "pid" },
            describe: { echo: "Says it back." },
          },
        },
      },
      v1: { command: "node", args: [fixture("sdk-v1-server.mjs")] },
    },
    mcpGroups: {
      curated: { members: ["echo", "v1"], tools: { deny: ["v1__*"], rename: { add: "sum" } } },
    },
  });
  const serversFile = registry.file;
  station = await startStation({ MCP_STATION_SERVERS_FILE: serversFile });
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

const listed = async (id: string) => (await station.mcp(id, "tools/list", {})).body.data.tools as { name: string; description: string }[];
const call = (id: string, name: string, args: Record<string, unknown> = {}) => station.mcp(id, "tools/call", { name, arguments: args });

describe("curation in the registry", () => {
  test("a server's entry: only allowed tools, renamed and redescribed; a hidden tool or an old name is refused at call", async () => {
    const id = (await station.create({ server: "echo" })).body.session_id;
    const tools = await listed(id);
    expect(tools.map((tool) => tool.name)).toEqual(["echo", "pid"]);
    expect(tools[0]!.description).toBe("Says it back.");
    expect((await call(id, "pid")).body.data.content[0].text).toMatch(/^\d+$/);
    for (const hidden of ["slow", "whoami", "env"]) {
      const refused = await call(id, hidden, { ms: 1, name: "PATH" });
      expect(refused.status).toBe(200);
      expect(refused.body).toMatchObject({ success: false, error: { code: -32602, message: `Unknown tool: ${hidden}` } });
    }
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a group's rules apply to the names the group gives, on top of each member's own", async () => {
    const id = (await station.create({ server: "curated" })).body.session_id;
    const names = (await listed(id)).map((tool) => tool.name);
    // echo's own rules, then the group's: v1's prefixed echo denied, its add renamed.
    expect(names).toEqual(["echo", "pid", "sum"]);
    expect((await call(id, "sum", { a: 1, b: 1 })).body.data.content[0].text).toBe("2");
    expect((await call(id, "v1__echo", { text: "x" })).body.error.code).toBe(-32602);
    expect((await call(id, "add", { a: 1, b: 1 })).body.error.code).toBe(-32602);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("an official client on /servers/{name}/mcp sees the curated list and cannot call a hidden tool", async () => {
    const client = new Client({ name: "curation", version: "1" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${station.url}/servers/echo/mcp`)));
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["echo", "pid"]);
      const refused = await client.callTool({ name: "slow", arguments: { ms: 1 } }).catch((error: Error) => error);
      expect(String(refused)).toContain("Unknown tool: slow");
    } finally {
      await client.close();
    }
  });

  test("GET /servers shows each entry's and group's rules", async () => {
    const body = (await station.call("GET", "/servers")).body;
    expect(body.servers.find((s: { name: string }) => s.name === "echo").tools.rename).toEqual({ whoami: "pid" });
    expect(body.groups[0].tools).toEqual({ deny: ["v1__*"], rename: { add: "sum" } });
  });
});
