/**
 * The registry file changes without a restart (docs/groups.md, Reload):
 * watched and re-read on SIGHUP; added entries start, a changed group's
 * running sessions update their members and tell their clients, a removed
 * entry's sessions are drained, and a file that does not parse or validate
 * is refused as a whole while GET /servers says which version is in force.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { spawnStation } from "../support/station-process.ts";
import { type TestStation, httpCall, startStation } from "../support/station.ts";

let dir: string;
let serversFile: string;
let station: TestStation;

const ECHO = { command: fixture("echo.mjs") };
const V1 = { command: "node", args: [fixture("sdk-v1-server.mjs")] };

/** Writes the file as editors do: a temporary file renamed over it. */
function save(content: unknown): void {
  const temporary = join(dir, `.servers.json.${crypto.randomUUID()}`);
  writeFileSync(temporary, typeof content === "string" ? content : JSON.stringify(content));
  renameSync(temporary, serversFile);
}

const registryStatus = async () => (await station.call("GET", "/servers")).body.registry;
const versionReaches = (version: number) => eventually(async () => (await registryStatus()).version === version, 10_000);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-station-reload-"));
  serversFile = join(dir, "servers.json");
  save({ mcpServers: { echo: ECHO }, mcpGroups: { pair: { members: ["echo"] } } });
  station = await startStation({ MCP_STATION_SERVERS_FILE: serversFile });
});
afterAll(async () => {
  await station.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("an edited registry file takes effect without a restart", () => {
  test("added entries start; a changed group's running session gains the member and tells its clients; GET /servers shows the version", async () => {
    const first = await registryStatus();
    expect(first).toMatchObject({ file: serversFile, version: 1, last_error: null });
    const pair = (await station.create({ server: "pair" })).body;
    expect(pair.group.members.map((m: { name: string }) => m.name)).toEqual(["echo"]);
    expect((await station.create({ server: "v1" })).status).toBe(400);

    save({ mcpServers: { echo: ECHO, v1: V1 }, mcpGroups: { pair: { members: ["echo", "v1"] } } });
    expect(await versionReaches(2)).toBe(true);
    const status = await registryStatus();
    expect(status.sha256).not.toBe(first.sha256);
    expect(status.reloads).toEqual({ ok: 1, failed: 0 });

    const single = await station.create({ server: "v1" });
    expect(single.status).toBe(200);
    await station.call("DELETE", `/sessions/${single.body.session_id}`);

    // The running group session took the new member, and told its clients.
    const members = await eventually(async () => {
      const info = (await station.call("GET", `/sessions/${pair.session_id}`)).body;
      return info.group.members.length === 2 && info.group.members[1].status === "running" ? info.group.members : undefined;
    }, 10_000);
    expect(members.map((m: { name: string }) => m.name)).toEqual(["echo", "v1"]);
    // Told once the new member's lists are read, just after it runs.
    const told = async () =>
      ((await station.call("GET", `/sessions/${pair.session_id}/events`)).body.events as { data: { method?: string } }[]).some(
        (e) => e.data.method === "notifications/tools/list_changed",
      );
    expect(await eventually(told)).toBe(true);
    const names = (await station.mcp(pair.session_id, "tools/list", {})).body.data.tools.map((t: { name: string }) => t.name);
    expect(names).toContain("v1__echo");
    expect(names).toContain("add");
    await station.call("DELETE", `/sessions/${pair.session_id}`);
  });

  test("a file that does not parse or validate is refused as a whole: the old one stays, the error is shown and counted", async () => {
    const before = await registryStatus();
    save("{ not json");
    expect(await eventually(async () => (await registryStatus()).last_error !== null, 10_000)).toBe(true);
    // A group naming a server that does not exist refuses the whole file, its valid servers too.
    save({ mcpServers: { echo: ECHO, v1: V1, extra: ECHO }, mcpGroups: { pair: { members: ["echo", "ghost"] } } });
    expect(await eventually(async () => (await registryStatus()).last_error?.message.includes("ghost"), 10_000)).toBe(true);
    const after = await registryStatus();
    expect(after.version).toBe(before.version);
    expect(after.sha256).toBe(before.sha256);
    expect(after.reloads.failed).toBeGreaterThanOrEqual(2);
    expect((await station.call("GET", "/servers")).body.servers.map((s: { name: string }) => s.name)).toEqual(["echo", "v1"]);
    expect((await station.create({ server: "extra" })).status).toBe(400);
    const metrics = await (await fetch(`${station.url}/metrics`)).text();
    expect(metrics).toMatch(/mcp_station_registry_reloads_total\{outcome="failed"\} [2-9]/);
  });

  test("a removed entry's sessions are drained: stopped once no request is in flight; new ones are refused", async () => {
    const running = (await station.create({ server: "v1" })).body.session_id;
    const busy = (await station.create({ server: "echo" })).body.session_id;
    const slow = station.mcp(busy, "tools/call", { name: "slow", arguments: { ms: 1500 } });
    await eventually(async () => (await station.call("GET", `/sessions/${busy}`)).body.in_flight === 1);
    save({ mcpServers: { other: ECHO } });
    expect(await eventually(async () => (await station.call("GET", `/sessions/${running}`)).body.status === "exited", 10_000)).toBe(true);
    // The request in flight finishes before its session stops.
    expect((await slow).body.data.content[0].text).toBe("slept 1500");
    expect(await eventually(async () => (await station.call("GET", `/sessions/${busy}`)).body.status === "exited", 10_000)).toBe(true);
    expect((await station.create({ server: "v1" })).status).toBe(400);
    expect((await station.create({ server: "other" })).status).toBe(200);
  });

  test("the file's access rules change with it: a tool denied by the edit leaves tools/list of a running session; an invalid rule refuses the file", async () => {
    const id = (await station.create({ server: "other" })).body.session_id;
    const tools = async () => (await station.mcp(id, "tools/list", {})).body.data.tools.map((t: { name: string }) => t.name);
    expect(await tools()).toContain("slow");

    // This station has no keys: its caller is the local admin.
    const version = (await registryStatus()).version;
    save({ mcpServers: { other: ECHO }, access: { rules: [{ admin: true, servers: ["other"], tools: { deny: ["slow"] } }] } });
    expect(await versionReaches(version + 1)).toBe(true);
    expect(await tools()).not.toContain("slow");
    const refused = await station.mcp(id, "tools/call", { name: "slow", arguments: { ms: 1 } });
    expect(refused.status).toBe(403);
    expect(refused.body.error.data.type).toBe("access_denied");

    save({ mcpServers: { other: ECHO }, access: { rules: [{ admin: true }] } });
    expect(await eventually(async () => (await registryStatus()).last_error?.message.includes("access"), 10_000)).toBe(true);
    expect(await tools()).not.toContain("slow");

    save({ mcpServers: { other: ECHO } });
    expect(await versionReaches(version + 2)).toBe(true);
    expect(await tools()).toContain("slow");
  });
});

describe("SIGHUP", () => {
  test("re-reads the file of a station that does not watch it", async () => {
    const own = join(dir, "sighup.json");
    writeFileSync(own, JSON.stringify({ mcpServers: { echo: ECHO } }));
    const proc = await spawnStation(undefined, { MCP_STATION_SERVERS_FILE: own, MCP_STATION_SERVERS_FILE_WATCH: "off" });
    try {
      writeFileSync(own, JSON.stringify({ mcpServers: { echo: ECHO, v1: V1 } }));
      const servers = async () => (await httpCall(proc.url, "GET", "/servers")).body;
      expect((await servers()).registry.version).toBe(1);
      process.kill(proc.pid, "SIGHUP");
      expect(await eventually(async () => (await servers()).registry.version === 2, 10_000)).toBe(true);
      expect((await servers()).servers.map((s: { name: string }) => s.name)).toEqual(["echo", "v1"]);
    } finally {
      await proc.stop();
    }
  });
});
