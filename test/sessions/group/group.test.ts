/**
 * Groups (docs/groups.md) through the seed's API: one session for several
 * registered servers, real ones (echo fixtures, the official TypeScript SDK
 * v1, server-everything, the Python SDK 2.x and 1.x), with tools and prompts
 * named by the group's prefix mode, resources by URI, calls routed back, and
 * members' pagination followed.
 */
import { type RegistryFile, writeRegistry } from "../../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY, PYTHON_MCP1, PYTHON_MCP2, fixture } from "../../setup/paths.ts";
import { type TestStation, startStation } from "../../support/station.ts";

let registry: RegistryFile;
let station: TestStation;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: {
      echo: { command: fixture("echo.mjs") },
      v1: { command: "node", args: [fixture("sdk-v1-server.mjs")] },
      everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] },
      py2: { command: PYTHON_MCP2, args: [fixture("python/mcp2_server.py")] },
      py1: { command: PYTHON_MCP1, args: [fixture("python/mcp1_server.py")] },
      paged: { command: fixture("paged.mjs") },
    },
    mcpGroups: {
      main: { members: ["echo", "v1", "everything"], description: "Echo, the SDK and everything" },
      always: { members: ["echo", "v1"], prefix: "always", separator: "." },
      never: { members: ["echo", "v1"], prefix: "never" },
      python: { members: ["py2", "py1"] },
      pages: { members: ["echo", "paged"] },
    },
  });
  const serversFile = registry.file;
  station = await startStation({ MCP_STATION_SERVERS_FILE: serversFile });
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

const names = (listed: { body: any }, key = "tools") => (listed.body.data[key] as { name: string }[]).map((item) => item.name);
const text = (answer: { body: any }) => answer.body.data.content[0].text as string;

async function group(name: string): Promise<any> {
  const created = await station.create({ server: name });
  expect(created.status).toBe(200);
  return created.body;
}

describe("a group is one session for its servers", () => {
  test("GET /servers lists the groups beside the servers", async () => {
    const listed = await station.call("GET", "/servers");
    expect(listed.status).toBe(200);
    expect(listed.body.groups).toContainEqual({
      name: "main",
      members: ["echo", "v1", "everything"],
      prefix: "collision",
      separator: "__",
      description: "Echo, the SDK and everything",
    });
  });

  test("POST /sessions starts every member; GET /sessions/{id} shows each one's state", async () => {
    const info = await group("main");
    expect(info).toMatchObject({ status: "running", server: "main", era: "legacy", server_info: { name: "main" } });
    expect(info.group.members.map((m: any) => [m.name, m.status])).toEqual([
      ["echo", "running"],
      ["v1", "running"],
      ["everything", "running"],
    ]);
    expect(info.instructions).toContain("Echo, the SDK and everything");
    const shown = (await station.call("GET", `/sessions/${info.session_id}`)).body;
    for (const member of shown.group.members) {
      expect(member.pid).toBeGreaterThan(0);
      // Each member is a station session of its own, marked as the group's.
      const own = (await station.call("GET", `/sessions/${member.session_id}`)).body;
      expect(own).toMatchObject({ status: "running", server: member.name, member_of: info.session_id });
    }
    await station.call("DELETE", `/sessions/${info.session_id}`);
    for (const member of shown.group.members) {
      expect((await station.call("GET", `/sessions/${member.session_id}`)).status).toBe(404);
      expect(() => process.kill(member.pid, 0)).toThrow();
    }
  });

  test("collision: the first member keeps a shared name, later ones get the prefix; calls are routed back", async () => {
    const { session_id: id } = await group("main");
    const tools = names(await station.mcp(id, "tools/list", {}));
    // echo.mjs is listed first: its echo stays bare; the SDK's and everything's echo are prefixed.
    expect(tools).toContain("echo");
    expect(tools).toContain("v1__echo");
    expect(tools).toContain("everything__echo");
    // A name only one member has stays bare.
    expect(tools).toContain("add");
    expect(tools).toContain("whoami");
    expect(tools).not.toContain("v1__add");
    expect(text(await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "from echo.mjs" } }))).toBe("from echo.mjs");
    expect(text(await station.mcp(id, "tools/call", { name: "v1__echo", arguments: { text: "from the SDK" } }))).toBe("from the SDK");
    expect(text(await station.mcp(id, "tools/call", { name: "everything__echo", arguments: { message: "hi" } }))).toBe("Echo: hi");
    expect(text(await station.mcp(id, "tools/call", { name: "add", arguments: { a: 1, b: 2 } }))).toBe("3");
    // An unknown name is the server-style error a client expects (-32602), not a station failure.
    const unknown = await station.mcp(id, "tools/call", { name: "nope", arguments: {} });
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ success: false, error: { code: -32602 } });
    // Metrics for the group and for each member: the group's call is counted under its name, and again under its member's.
    const metrics = await (await fetch(`${station.url}/metrics`)).text();
    const requests = metrics.split("\n").filter((line) => line.startsWith("mcp_station_server_requests_total{"));
    expect(requests.some((line) => line.includes('server="main",tool="v1__echo",outcome="ok"'))).toBe(true);
    expect(requests.some((line) => line.includes('server="v1",tool="echo",outcome="ok"'))).toBe(true);
    expect(requests.some((line) => line.includes('server="everything",tool="echo",outcome="ok"'))).toBe(true);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("prompts, resources (URIs kept), templates and progress work across members", async () => {
    const { session_id: id } = await group("main");
    expect(names(await station.mcp(id, "prompts/list", {}), "prompts")).toContain("simple-prompt");
    const prompt = await station.mcp(id, "prompts/get", { name: "simple-prompt" });
    expect(prompt.body.data.messages.length).toBeGreaterThan(0);

    const resources = (await station.mcp(id, "resources/list", {})).body.data.resources;
    const uri = resources.at(-1).uri as string;
    const read = await station.mcp(id, "resources/read", { uri });
    expect(read.body.data.contents[0].uri).toBe(uri);
    const templates = (await station.mcp(id, "resources/templates/list", {})).body.data.resourceTemplates;
    expect(templates.length).toBeGreaterThan(0);
    // A URI no list showed, but a member's template matches, goes to that member.
    const template = templates[0].uriTemplate as string;
    const filled = template.replace(/\{[^}]*\}/g, "1");
    const byTemplate = await station.mcp(id, "resources/read", { uri: filled });
    expect(byTemplate.body.data.contents[0].uri).toBe(filled);

    // Progress of a member's tool reaches the group's events with the caller's own token.
    const before = (await station.call("GET", `/sessions/${id}/events`)).body.last_id;
    const done = await station.mcp(id, "tools/call", { name: "progress", arguments: { steps: 3 }, _meta: { progressToken: "mine" } });
    expect(text(done)).toBe("done 3");
    const events = (await station.call("GET", `/sessions/${id}/events?after=${before}`)).body.events;
    const progress = events.filter((e: any) => e.data.method === "notifications/progress");
    expect(progress.map((e: any) => e.data.params.progressToken)).toEqual(["mine", "mine", "mine"]);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a member's pages are all read: the group answers its clients with one page", async () => {
    const { session_id: id } = await group("pages");
    const single = await station.create({ server: "paged" });
    const firstPage = (await station.mcp(single.body.session_id, "tools/list", {})).body.data;
    expect(firstPage.nextCursor).toBe("2");
    await station.call("DELETE", `/sessions/${single.body.session_id}`);

    const tools = (await station.mcp(id, "tools/list", {})).body.data;
    expect(tools.nextCursor).toBeUndefined();
    expect(tools.tools.map((tool: { name: string }) => tool.name).filter((name: string) => /^t\d$/.test(name))).toEqual([
      "t1",
      "t2",
      "t3",
      "t4",
      "t5",
    ]);
    expect(text(await station.mcp(id, "tools/call", { name: "t5", arguments: {} }))).toBe("t5");
    const resources = (await station.mcp(id, "resources/list", {})).body.data;
    expect(resources.nextCursor).toBeUndefined();
    expect(resources.resources.map((resource: { uri: string }) => resource.uri)).toEqual([1, 2, 3, 4, 5].map((n) => `paged://r${n}`));
    expect((await station.mcp(id, "resources/read", { uri: "paged://r4" })).body.data.contents[0].text).toBe("r4");
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("always prefixes every name with the member and the group's separator; never hides a later collision", async () => {
    const always = await group("always");
    const prefixed = names(await station.mcp(always.session_id, "tools/list", {}));
    expect(prefixed).toContain("echo.echo");
    expect(prefixed).toContain("v1.echo");
    expect(prefixed).toContain("v1.add");
    expect(prefixed.every((name) => name.startsWith("echo.") || name.startsWith("v1."))).toBe(true);
    expect(text(await station.mcp(always.session_id, "tools/call", { name: "v1.add", arguments: { a: 2, b: 2 } }))).toBe("4");

    const never = await group("never");
    const bare = names(await station.mcp(never.session_id, "tools/list", {}));
    expect(bare.filter((name) => name === "echo")).toHaveLength(1);
    expect(bare).toContain("add");
    expect(bare.some((name) => name.includes("__"))).toBe(false);
    // The one echo is the first member's.
    expect(text(await station.mcp(never.session_id, "tools/call", { name: "echo", arguments: { text: "first" } }))).toBe("first");
    await station.call("DELETE", `/sessions/${always.session_id}`);
    await station.call("DELETE", `/sessions/${never.session_id}`);
  });

  test("servers on the Python SDK 2.x and 1.x as members of one group", async () => {
    const { session_id: id } = await group("python");
    const tools = names(await station.mcp(id, "tools/list", {}));
    expect(tools.length).toBeGreaterThan(0);
    // The two fixtures share their tool names: py2 is listed first and keeps them, whichever started first.
    expect(tools.sort()).toEqual(["add", "echo", "py1__add", "py1__echo"]);
    expect(text(await station.mcp(id, "tools/call", { name: "py1__add", arguments: { a: 2, b: 5 } }))).toBe("7");
    await station.call("DELETE", `/sessions/${id}`);
  });
});
