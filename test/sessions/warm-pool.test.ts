/**
 * The warm pool: servers started ahead, handed out whole to a matching create, refilled, within the session
 * limits, and following registry reloads (a changed server's waiting process replaced, a removed one's stopped).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../src/config.ts";
import { parseWarmPool } from "../../src/sessions/warm-pool.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, isRunning, waitGone } from "../support/processes.ts";
import { writeRegistry } from "../support/registry-file.ts";
import { type TestStation, startStation } from "../support/station.ts";

const ECHO = fixture("echo.mjs");
const pool = (entries: unknown[]) => ({ MCP_STATION_WARM_POOL: JSON.stringify(entries) });

let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

/** Processes the pool holds ready, over all its entries. */
async function readyCount(s: TestStation): Promise<number> {
  return s.manager.warmPoolStatus().reduce((n, entry) => n + entry.ready, 0);
}

async function whoami(s: TestStation, sessionId: string): Promise<number> {
  const res = await s.mcp(sessionId, "tools/call", { name: "whoami", arguments: {} });
  return Number(res.body.data.content[0].text);
}

describe("MCP_STATION_WARM_POOL", () => {
  test("is read as a list of create bodies with a size", () => {
    expect(parseWarmPool(undefined)).toEqual([]);
    expect(parseWarmPool(" ")).toEqual([]);
    expect(
      parseWarmPool('[{"server_type":"node","server_command":"/x.mjs","server_args":["a"],"size":2},{"server":"files","size":1}]'),
    ).toEqual([
      { server_type: "node", server_command: "/x.mjs", server_args: ["a"], size: 2 },
      { server: "files", size: 1 },
    ]);
  });

  test.each([
    ["not json", "is not JSON"],
    ['{"size":1}', "must be a JSON array"],
    ['[{"server_command":"/x.mjs"}]', "size must be a whole number"],
    ['[{"server_command":"/x.mjs","size":0}]', "size must be a whole number"],
    ['[{"size":1}]', "needs server_command"],
    ['[{"server_command":"/x.mjs","size":1,"extra":true}]', 'unknown field "extra"'],
    ['[{"server_command":"/x.mjs","size":1,"env_vars":{"A":1}}]', "env_vars must be an object of strings"],
  ])("refuses %s", (raw, why) => {
    expect(() => parseWarmPool(raw)).toThrow(ConfigError);
    expect(() => parseWarmPool(raw)).toThrow(why);
  });
});

describe("the warm pool", () => {
  test("starts its servers ahead and hands one to a matching create, then refills", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 2 }]));
    expect(await eventually(async () => (await readyCount(station!)) === 2, 15_000)).toBe(true);
    expect(station.manager.list()).toHaveLength(0);

    const created = await station.create({ server_command: ECHO });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: "running", era: "legacy" });
    // The session's server is one the pool had started: it answers at once, as itself.
    expect(await whoami(station, created.body.session_id)).toBe(created.body.pid);
    expect(await eventually(async () => (await readyCount(station!)) === 2, 15_000)).toBe(true);
  });

  test("never shares a process: each create gets its own", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 2 }]));
    await eventually(async () => (await readyCount(station!)) === 2, 15_000);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => station!.create({ server_command: ECHO })));
    const pids = [a!, b!, c!].map((r) => r.body.pid);
    expect(new Set(pids).size).toBe(3);
    for (const r of [a!, b!, c!]) expect(await whoami(station, r.body.session_id)).toBe(r.body.pid);
    // A process handed out is not in the pool any more, whatever happens to its session.
    await station.call("DELETE", `/sessions/${a!.body.session_id}`);
    expect(await waitGone(a!.body.pid)).toBe(true);
    const d = await station.create({ server_command: ECHO });
    expect(pids).not.toContain(d.body.pid);
  });

  test("hands out only on an exact match of args, env and cwd", async () => {
    station = await startStation(pool([{ server_command: ECHO, env_vars: { MODE: "warm" }, size: 1 }]));
    await eventually(async () => (await readyCount(station!)) === 1, 15_000);
    const [warmPid] = station.manager.warmPoolStatus()[0]!.pids;
    for (const other of [
      { server_command: ECHO },
      { server_command: ECHO, env_vars: { MODE: "cold" } },
      { server_command: ECHO, env_vars: { MODE: "warm" }, server_args: ["x"] },
    ]) {
      const res = await station.create(other);
      expect(res.status).toBe(200);
      expect(res.body.pid).not.toBe(warmPid);
    }
    expect(station.manager.warmPoolStatus()[0]!.pids).toEqual([warmPid!]);
    const match = await station.create({ server_command: ECHO, env_vars: { MODE: "warm" } });
    const env = await station.mcp(match.body.session_id, "tools/call", { name: "env", arguments: { name: "MODE" } });
    expect(env.body.data.structuredContent.value).toBe("warm");
    expect(match.body.pid).toBe(warmPid);
  });

  test("the session handed out carries its caller's roots and a fresh creation time", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 1 }]));
    await eventually(async () => (await readyCount(station!)) === 1, 15_000);
    const before = Date.now();
    const roots = [{ uri: "file:///data", name: "data" }];
    const res = await station.create({ server_command: ECHO, roots });
    expect(res.body.roots).toEqual(roots);
    expect(Date.parse(res.body.created_at)).toBeGreaterThanOrEqual(before - 5);
  });

  test("counts toward MCP_STATION_MAX_SESSIONS and yields its slots to creates", async () => {
    station = await startStation({ MCP_STATION_MAX_SESSIONS: "2", ...pool([{ server_command: ECHO, size: 2 }]) });
    await eventually(async () => (await readyCount(station!)) === 2, 15_000);
    // Another server needs a slot: a warm process gives up its own.
    const other = await station.create({ server_command: ECHO, server_args: ["other"] });
    expect(other.status).toBe(200);
    expect(await readyCount(station)).toBe(1);
    const warm = await station.create({ server_command: ECHO });
    expect(warm.status).toBe(200);
    // Both slots are sessions now: no refill past the limit, and a third create is refused.
    const third = await station.create({ server_command: ECHO, server_args: ["third"] });
    expect(third.status).toBe(503);
    expect(station.manager.warmPoolStatus()[0]).toMatchObject({ ready: 0, starting: 0 });
    // A slot freed by a delete is filled again.
    await station.call("DELETE", `/sessions/${other.body.session_id}`);
    expect(await eventually(async () => (await readyCount(station!)) === 1, 15_000)).toBe(true);
  });

  test("a process handed out is restarted under its caller's restart policy when it crashes", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 1 }]));
    await eventually(async () => (await readyCount(station!)) === 1, 15_000);
    const [warmPid] = station.manager.warmPoolStatus()[0]!.pids;
    const created = await station.create({ server_command: ECHO, restart_policy: "on-failure" });
    expect(created.body.pid).toBe(warmPid);
    process.kill(warmPid!, "SIGKILL");
    const id = created.body.session_id;
    const back = await eventually(async () => {
      const info = (await station!.call("GET", `/sessions/${id}`)).body;
      return info.status === "running" && info.pid !== warmPid ? info : undefined;
    }, 15_000);
    expect(back).toMatchObject({ restarts: 1 });
    expect(await whoami(station, id)).toBe(back.pid);
  });

  test("a waiting server that dies is replaced", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 1 }]));
    await eventually(async () => (await readyCount(station!)) === 1, 15_000);
    const first = await station.create({ server_command: ECHO });
    await eventually(async () => (await readyCount(station!)) === 1, 15_000);
    const [waiting] = station.manager.warmPoolStatus()[0]!.pids;
    expect(waiting).toBeDefined();
    expect(waiting).not.toBe(first.body.pid);
    process.kill(waiting!, "SIGKILL");
    expect(
      await eventually(async () => {
        const status = station!.manager.warmPoolStatus()[0]!;
        return status.ready === 1 && status.pids[0] !== waiting;
      }, 15_000),
    ).toBe(true);
    const next = await station.create({ server_command: ECHO });
    expect(next.body.pid).not.toBe(waiting);
    expect(await whoami(station, next.body.session_id)).toBe(next.body.pid);
  });

  test("stops its waiting servers when the station shuts down", async () => {
    station = await startStation(pool([{ server_command: ECHO, size: 2 }]));
    await eventually(async () => (await readyCount(station!)) === 2, 15_000);
    const waiting = station.manager.warmPoolStatus()[0]!.pids;
    expect(waiting).toHaveLength(2);
    await station.stop();
    station = undefined;
    for (const pid of waiting) expect(await waitGone(pid)).toBe(true);
  });

  test("an entry may name a registry server; a create by that name gets the warm process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warm-pool-registry-"));
    try {
      const file = join(dir, "servers.json");
      writeFileSync(file, JSON.stringify({ mcpServers: { echo: { command: "node", args: [ECHO], env: { WHO: "registry" } } } }));
      station = await startStation({ MCP_STATION_SERVERS_FILE: file, ...pool([{ server: "echo", size: 1 }]) });
      await eventually(async () => (await readyCount(station!)) === 1, 15_000);
      const [warmPid] = station.manager.warmPoolStatus()[0]!.pids;
      const res = await station.create({ server: "echo" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ server: "echo", pid: warmPid });
      const env = await station.mcp(res.body.session_id, "tools/call", { name: "env", arguments: { name: "WHO" } });
      expect(env.body.data.structuredContent.value).toBe("registry");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an entry the command policy refuses is skipped, and the station still serves", async () => {
    station = await startStation({
      MCP_STATION_COMMAND_POLICY: "allowlist",
      MCP_STATION_ALLOWED_COMMANDS: "/nonexistent/only",
      ...pool([{ server_command: ECHO, size: 1 }]),
    });
    expect(station.manager.warmPoolStatus()).toEqual([]);
    expect((await station.call("GET", "/healthz")).status).toBe(200);
  });
});

describe("the warm pool and a registry reload", () => {
  const echoWith = (arg: string) => ({ command: "node", args: [ECHO, arg] });
  const reloaded = (s: TestStation, version: number) =>
    eventually(async () => (await s.call("GET", "/servers")).body.registry.version === version, 10_000);
  /** A pool entry by its label: a registry name, or the argv of an explicit command. */
  const entryOf = (s: TestStation, label: string) =>
    s.manager.warmPoolStatus().find((entry) => entry.server === label || entry.server.endsWith(` ${label}`))!;
  /** What a process runs, as the kernel has it. */
  const argvOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);

  test("a warmed server whose args change: its waiting process is replaced, and the next create takes the new one", async () => {
    const registry = writeRegistry({ mcpServers: { echo: echoWith("--first") } });
    try {
      station = await startStation({
        MCP_STATION_SERVERS_FILE: registry.file,
        // A registry file alone would allow only its servers.
        MCP_STATION_COMMAND_POLICY: "any",
        ...pool([
          { server: "echo", size: 1 },
          { server_command: ECHO, size: 1 },
        ]),
      });
      expect(await eventually(async () => (await readyCount(station!)) === 2, 15_000)).toBe(true);
      const [old] = entryOf(station, "echo").pids;
      const [explicit] = entryOf(station, ECHO).pids;
      expect(argvOf(old!)).toContain("--first");

      registry.save({ mcpServers: { echo: echoWith("--second") } });
      expect(await reloaded(station, 2)).toBe(true);
      // The process started from the old launch is stopped, and one of the new launch waits in its place.
      expect(await waitGone(old!)).toBe(true);
      const fresh = await eventually(() => entryOf(station!, "echo").pids[0], 15_000);
      expect(fresh).toBeDefined();
      expect(fresh).not.toBe(old);

      const created = await station.create({ server: "echo" });
      expect(created.status).toBe(200);
      expect(created.body.pid).toBe(fresh!);
      expect(argvOf(fresh!)).toContain("--second");
      expect(argvOf(fresh!)).not.toContain("--first");
      expect(await whoami(station, created.body.session_id)).toBe(fresh!);
      // An entry with a command of its own does not depend on the registry: its process waits on, untouched.
      expect(entryOf(station, ECHO).pids).toEqual([explicit!]);
    } finally {
      registry.remove();
    }
  });

  test("a warmed server removed: its waiting processes stop and their slots go to the other entries", async () => {
    const registry = writeRegistry({ mcpServers: { echo: echoWith("--registry") } });
    try {
      // Two slots, both taken by the registry entry (planned first); the explicit command's entry waits for room.
      station = await startStation({
        MCP_STATION_SERVERS_FILE: registry.file,
        MCP_STATION_MAX_SESSIONS: "2",
        // A registry file alone would allow only its servers.
        MCP_STATION_COMMAND_POLICY: "any",
        ...pool([
          { server: "echo", size: 2 },
          { server_command: ECHO, size: 2 },
        ]),
      });
      expect(await eventually(async () => (await readyCount(station!)) === 2, 15_000)).toBe(true);
      const [echo, explicit] = station.manager.warmPoolStatus();
      expect(echo).toMatchObject({ server: "echo", ready: 2 });
      expect(explicit).toMatchObject({ ready: 0, starting: 0 });

      registry.save({ mcpServers: {} });
      expect(await reloaded(station, 2)).toBe(true);
      for (const pid of echo!.pids) expect(await waitGone(pid)).toBe(true);
      expect(await eventually(async () => (await readyCount(station!)) === 2, 15_000)).toBe(true);
      const after = station.manager.warmPoolStatus();
      expect(after.map((entry) => entry.server)).toEqual([explicit!.server]);
      for (const pid of after[0]!.pids) expect(isRunning(pid)).toBe(true);
    } finally {
      registry.remove();
    }
  });
});
