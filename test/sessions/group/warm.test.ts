/**
 * A group warmed by MCP_STATION_WARM_POOL (docs/groups.md, Warm start): naming a group warms processes of
 * each of its members, a group's create takes one of each (the processes the pool had started: their pids
 * were in the pool before the create), the members are the group's as cold ones are (member_of, roots,
 * restart policy, stopped with the group), the pool refills within MCP_STATION_MAX_SESSIONS, and a member
 * the pool must not serve (other client capabilities, a secret) starts cold. A reload that adds a member
 * warms it; one that removes a member stops its waiting process.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../../setup/paths.ts";
import { type RegistryFile, writeRegistry } from "../../support/registry-file.ts";
import { eventually, isRunning, waitGone } from "../../support/processes.ts";
import { type TestStation, startStation } from "../../support/station.ts";

const registryServers = () => ({
  a: { command: "node", args: [fixture("echo.mjs")], env: { WHO: "a" } },
  b: { command: "node", args: [fixture("echo.mjs")], env: { WHO: "b" } },
  vault: { command: "node", args: [fixture("echo.mjs")], env: { TOKEN: { secret: "token" } } },
});

let registry: RegistryFile;
beforeAll(() => {
  registry = writeRegistry({
    mcpServers: registryServers(),
    mcpGroups: {
      pair: { members: ["a", "b"], prefix: "always" },
      guarded: { members: ["a", "vault"], prefix: "always" },
    },
  });
});
afterAll(() => registry.remove());

let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

const warmed = (group: string, size = 1, env: Record<string, string> = {}) =>
  startStation({ MCP_STATION_SERVERS_FILE: registry.file, MCP_STATION_WARM_POOL: JSON.stringify([{ server: group, size }]), ...env });

/** The pids the pool holds ready, over all its entries. */
const warmPids = (s: TestStation) => s.manager.warmPoolStatus().flatMap((entry) => entry.pids);
const readyCount = (s: TestStation) => s.manager.warmPoolStatus().reduce((n, entry) => n + entry.ready, 0);

interface Member {
  name: string;
  session_id: string;
  status: string;
  pid: number;
}
const members = async (s: TestStation, id: string): Promise<Member[]> => (await s.call("GET", `/sessions/${id}`)).body.group.members;
const callTool = async (s: TestStation, id: string, name: string, args: Record<string, unknown> = {}) =>
  (await s.mcp(id, "tools/call", { name, arguments: args })).body.data;

describe("a group in MCP_STATION_WARM_POOL", () => {
  test("warms each member; the group's create takes one warm process of each, which serve it as its members", async () => {
    station = await warmed("pair");
    expect(await eventually(() => readyCount(station!) === 2, 15_000)).toBe(true);
    expect(station.manager.warmPoolStatus().map((entry) => entry.server)).toEqual(["a", "b"]);
    const before = warmPids(station);

    const roots = [{ uri: "file:///data", name: "data" }];
    const created = await station.create({ server: "pair", roots, restart_policy: "on-failure" });
    expect(created.status).toBe(200);
    const group = created.body.session_id;
    const [a, b] = await members(station, group);
    // The members' servers are the two the pool had started before the create.
    expect([a!.pid, b!.pid].sort()).toEqual([...before].sort());
    expect(await callTool(station, group, "a__whoami")).toMatchObject({ content: [{ text: String(a!.pid) }] });
    expect((await callTool(station, group, "b__env", { name: "WHO" })).structuredContent.value).toBe("b");

    // Handed over as the group's own: its member, with the group's roots and request.
    for (const member of [a!, b!]) {
      const info = (await station.call("GET", `/sessions/${member.session_id}`)).body;
      expect(info).toMatchObject({ member_of: group, roots, status: "running" });
    }

    // The pool refills with new processes.
    expect(await eventually(() => readyCount(station!) === 2, 15_000)).toBe(true);
    expect(warmPids(station).some((pid) => before.includes(pid))).toBe(false);

    // The group request's restart policy holds on a handed-over process: a killed member comes back.
    process.kill(a!.pid, "SIGKILL");
    const back = await eventually(async () => {
      const now = (await members(station!, group))[0]!;
      return now.status === "running" && now.pid !== a!.pid ? now : undefined;
    }, 15_000);
    expect(back).toBeDefined();
    expect(await callTool(station, group, "a__whoami")).toMatchObject({ content: [{ text: String(back!.pid) }] });

    // Deleting the group stops both members' processes and forgets their sessions.
    expect((await station.call("DELETE", `/sessions/${group}`)).status).toBe(200);
    for (const pid of [back!.pid, b!.pid]) expect(await waitGone(pid)).toBe(true);
    expect(station.manager.list().filter((s) => s.spec.memberOf === group)).toEqual([]);
  });

  test("counts its warm processes and the group's members within MCP_STATION_MAX_SESSIONS", async () => {
    // Three slots: two warm processes, then the group and its two members; none left for a refill.
    station = await warmed("pair", 1, { MCP_STATION_MAX_SESSIONS: "3" });
    expect(await eventually(() => readyCount(station!) === 2, 15_000)).toBe(true);
    const before = warmPids(station);
    const created = await station.create({ server: "pair" });
    expect(created.status).toBe(200);
    expect((await members(station, created.body.session_id)).map((m) => m.pid).sort()).toEqual([...before].sort());
    expect(station.manager.warmPoolStatus().map(({ ready, starting }) => ready + starting)).toEqual([0, 0]);
    expect((await station.create({ server: "a" })).status).toBe(503);
    // The group's slots freed, the pool fills them again.
    await station.call("DELETE", `/sessions/${created.body.session_id}`);
    expect(await eventually(() => readyCount(station!) === 2, 15_000)).toBe(true);
  });

  test("a group whose creator can sample starts its members cold: the warm ones declared no sampling", async () => {
    station = await warmed("pair");
    expect(await eventually(() => readyCount(station!) === 2, 15_000)).toBe(true);
    const before = warmPids(station);
    const created = await station.create({ server: "pair", client_capabilities: { sampling: {} } });
    expect(created.status).toBe(200);
    for (const member of await members(station, created.body.session_id)) {
      expect(member.status).toBe("running");
      expect(before).not.toContain(member.pid);
    }
    expect(warmPids(station).sort()).toEqual([...before].sort());
  });

  test("a member that names a secret is not warmed; the others are", async () => {
    station = await warmed("guarded");
    expect(await eventually(() => readyCount(station!) === 1, 15_000)).toBe(true);
    expect(station.manager.warmPoolStatus().map((entry) => entry.server)).toEqual(["a"]);
    const [warmA] = warmPids(station);
    const created = await station.create({ server: "guarded" });
    expect(created.status).toBe(200);
    const [a, vault] = await members(station, created.body.session_id);
    expect(a!.pid).toBe(warmA!);
    // No secret store here: the secret's member cannot start for this tenant, and no warm process stands in for it.
    expect(vault!.pid ?? null).toBeNull();
    expect(isRunning(warmA!)).toBe(true);
  });
});

describe("a warmed group and a registry reload", () => {
  /** A station warming `pair` (size 1) from a registry of its own, which the test then edits. */
  async function warmedOwn(members: string[]): Promise<RegistryFile> {
    const own = writeRegistry({ mcpServers: registryServers(), mcpGroups: { pair: { members, prefix: "always" } } });
    station = await startStation({
      MCP_STATION_SERVERS_FILE: own.file,
      MCP_STATION_WARM_POOL: JSON.stringify([{ server: "pair", size: 1 }]),
    });
    expect(await eventually(() => readyCount(station!) === members.length, 15_000)).toBe(true);
    return own;
  }
  const reloaded = (version: number) =>
    eventually(async () => (await station!.call("GET", "/servers")).body.registry.version === version, 10_000);
  const servers = { ...registryServers(), c: { command: "node", args: [fixture("echo.mjs")], env: { WHO: "c" } } };

  test("a member added by a reload is warmed too, and the next create of the group takes a warm process for it", async () => {
    const own = await warmedOwn(["a", "b"]);
    try {
      own.save({ mcpServers: servers, mcpGroups: { pair: { members: ["a", "b", "c"], prefix: "always" } } });
      expect(await reloaded(2)).toBe(true);
      expect(await eventually(() => readyCount(station!) === 3, 15_000)).toBe(true);
      expect(station!.manager.warmPoolStatus().map((entry) => entry.server)).toEqual(["a", "b", "c"]);
      const before = warmPids(station!);

      const created = await station!.create({ server: "pair" });
      expect(created.status).toBe(200);
      const [a, b, c] = await members(station!, created.body.session_id);
      expect(c!.name).toBe("c");
      // Each member's server, the new one's included, is one the pool had started before the create.
      expect([a!.pid, b!.pid, c!.pid].sort()).toEqual([...before].sort());
      expect((await callTool(station!, created.body.session_id, "c__env", { name: "WHO" })).structuredContent.value).toBe("c");
    } finally {
      own.remove();
    }
  });

  test("a member removed by a reload: its waiting process stops and is not started again; the rest stay warm", async () => {
    const own = await warmedOwn(["a", "b"]);
    try {
      const [warmA, warmB] = warmPids(station!);
      // b leaves the registry, and so the group.
      const { a } = registryServers();
      own.save({ mcpServers: { a }, mcpGroups: { pair: { members: ["a"], prefix: "always" } } });
      expect(await reloaded(2)).toBe(true);
      expect(await waitGone(warmB!)).toBe(true);
      expect(station!.manager.warmPoolStatus()).toEqual([{ server: "a", size: 1, ready: 1, starting: 0, pids: [warmA!] }]);

      const created = await station!.create({ server: "pair" });
      expect(created.status).toBe(200);
      expect((await members(station!, created.body.session_id)).map((m) => m.pid)).toEqual([warmA!]);
      expect(await eventually(() => readyCount(station!) === 1, 15_000)).toBe(true);
      expect(station!.manager.warmPoolStatus().map((entry) => entry.server)).toEqual(["a"]);
    } finally {
      own.remove();
    }
  });
});
