/**
 * GET /sessions/{id}/history on real servers and both stores: a crash and
 * its restart under on-failure (the exit's code, signal and stderr tail, the
 * restart's reason), a restart attempt that fails, health checks recorded
 * when their outcome changes (SIGSTOP with a short interval), the store's
 * rows gone while the session lives on, and another tenant's 404.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { type OpsStation, type StoreKind, startOpsStation, storeKinds } from "../ops/support.ts";
import { ADMIN_KEY, KEY_A, KEY_B, KEYS_ENV } from "../security/support.ts";

const FAST = {
  MCP_STATION_RESTART_BACKOFF_MS: "50",
  MCP_STATION_RESTART_BACKOFF_MAX_MS: "2000",
  MCP_STATION_HEALTH_INTERVAL_MS: "100",
  MCP_STATION_HEALTH_TIMEOUT_MS: "300",
};
const stations: OpsStation[] = [];
const paused: number[] = [];
const dir = mkdtempSync(join(tmpdir(), "mcp-station-history-"));
afterEach(async () => {
  for (const pid of paused.splice(0)) {
    try {
      process.kill(pid, "SIGCONT");
    } catch {}
  }
  for (const s of stations.splice(0)) await s.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A station of its own store instance, so tests sharing a database never see each other's sessions. */
async function station(kind: StoreKind, env: Record<string, string> = {}) {
  const s = await startOpsStation({ ...kind.env, ...FAST, ...env }, await kind.open(crypto.randomUUID()));
  stations.push(s);
  return s;
}

const info = async (s: OpsStation, id: string) => (await s.call("GET", `/sessions/${id}`)).body;
const history = async (s: OpsStation, id: string, query = "") => (await s.call("GET", `/sessions/${id}/history${query}`)).body;
const crash = (s: OpsStation, id: string) =>
  s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "crash", arguments: {} } });
/** The entries as [kind, status] pairs, health checks left out (how many there are depends on timing). */
const steps = (entries: any[]) => entries.filter((e) => e.kind !== "health").map((e) => [e.kind, e.status]);

for (const kind of storeKinds()) {
  describe(`session history on ${kind.name}`, () => {
    afterAll(() => kind.cleanup());

    test("a crash and its restart under on-failure: the exit with its code and stderr tail, the restart with its reason", async () => {
      const s = await station(kind, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
      const created = (
        await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure", max_restarts: 3 })
      ).body;
      expect((await crash(s, created.session_id)).status).toBe(502);
      expect(await eventually(async () => (await info(s, created.session_id)).restarts === 1, 10_000)).toBe(true);
      await s.station.operations.persistence!.flushed();

      const page = await history(s, created.session_id);
      expect(page).toMatchObject({ session_id: created.session_id, source: "store", count: 6 });
      const [, , exit, restart] = page.entries;
      expect(page.entries.map((e: any) => [e.kind, e.status, e.detail])).toEqual([
        ["status", "starting", null],
        ["status", "running", null],
        ["exit", "exited", "crashed: exit code 3"],
        ["restart", "restarting", `the server exited (exit code 3); next attempt at ${restart.next_attempt_at}`],
        ["status", "starting", "restart attempt"],
        ["status", "running", null],
      ]);
      expect(exit).toMatchObject({ exit_code: 3, exit_signal: null, crashed: true, stderr_tail: "about to crash" });
      expect(Date.parse(exit.at)).toBeGreaterThan(Date.parse(created.created_at));
      expect(restart.reason).toBe("the server exited (exit code 3)");
      expect(Date.parse(restart.next_attempt_at)).toBeGreaterThanOrEqual(Date.parse(restart.at));
      // What the store holds is what was served.
      expect(await s.station.operations.store!.history(created.session_id)).toEqual(page.entries);
    });

    test("a restart attempt whose server dies starting is an exit from starting, and the next restart says so", async () => {
      // Runs as crash.mjs the first time, and refuses to start after that.
      const script = join(dir, `once-${kind.name}.mjs`);
      writeFileSync(
        script,
        `import { existsSync, writeFileSync } from "node:fs";
const marker = process.argv[2];
if (existsSync(marker)) { process.stderr.write("refusing to start again\\n"); process.exit(4); }
writeFileSync(marker, "");
await import(${JSON.stringify(fixture("crash.mjs"))});
`,
      );
      const s = await station(kind, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
      const created = (
        await s.call("POST", "/sessions", {
          server_type: "node",
          server_command: script,
          server_args: [join(dir, `once-${kind.name}.marker`)],
          restart_policy: "on-failure",
          max_restarts: 2,
        })
      ).body;
      await crash(s, created.session_id);
      expect(await eventually(async () => (await info(s, created.session_id)).status === "failed", 10_000)).toBe(true);
      const entries = (await history(s, created.session_id)).entries;
      expect(steps(entries)).toEqual([
        ["status", "starting"],
        ["status", "running"],
        ["exit", "exited"],
        ["restart", "restarting"],
        ["status", "starting"],
        ["exit", "exited"],
        ["restart", "restarting"],
        ["status", "starting"],
        ["exit", "exited"],
        ["status", "failed"],
      ]);
      expect(entries[5]).toMatchObject({ exit_code: 4, crashed: true, stderr_tail: "refusing to start again" });
      expect(entries[6].reason).toBe("the restart attempt failed: the server exited during start (exit code 4)");
      expect(entries[9].detail).toBe((await info(s, created.session_id)).failure_reason);
    });

    test("health checks: the first, then one entry each time the outcome changes, not one per check", async () => {
      const s = await station(kind, { MCP_STATION_HEALTH_RESTART_AFTER: "0" });
      const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      const id = created.session_id;
      expect(await eventually(async () => (await info(s, id)).health?.ok === true)).toBe(true);
      process.kill(created.pid, "SIGSTOP");
      paused.push(created.pid);
      expect(await eventually(async () => (await info(s, id)).health?.consecutive_failures >= 3, 10_000)).toBe(true);
      process.kill(created.pid, "SIGCONT");
      expect(await eventually(async () => (await info(s, id)).status === "running")).toBe(true);
      // One more answered check, which is no change.
      const recovered = (await info(s, id)).health.at;
      expect(await eventually(async () => (await info(s, id)).health.at > recovered)).toBe(true);
      await s.station.operations.persistence!.flushed();

      const entries = (await history(s, id)).entries;
      const checks = entries.filter((e: any) => e.kind === "health");
      expect(checks.map((e: any) => [e.ok, e.status])).toEqual([
        [true, "running"],
        [false, "unresponsive"],
        [true, "running"],
      ]);
      expect(checks[0]).toMatchObject({ method: "ping", error: null, consecutive_failures: 0 });
      expect(checks[0].latency_ms).toBeGreaterThan(0);
      expect(checks[1]).toMatchObject({ latency_ms: null, error: "no answer to ping within 300 ms", consecutive_failures: 1 });
      expect(checks[1].detail).toBe("no answer to ping within 300 ms");
      expect(checks[2].latency_ms).toBeGreaterThan(0);
      expect(checks[2].detail).toBe(`answered ping in ${checks[2].latency_ms} ms`);
      // The status changes read straight down the list, health flips included.
      expect(entries.map((e: any) => e.status)).toEqual(["starting", "running", "running", "unresponsive", "running"]);
    });

    test("under on-failure, a server that stops answering is restarted, and the restart says why", async () => {
      const s = await station(kind, { MCP_STATION_HEALTH_RESTART_AFTER: "2" });
      const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs"), restart_policy: "on-failure" })).body;
      const id = created.session_id;
      expect(await eventually(async () => (await info(s, id)).health?.ok === true)).toBe(true);
      process.kill(created.pid, "SIGSTOP");
      paused.push(created.pid);
      expect(await eventually(async () => (await info(s, id)).restarts === 1 && (await info(s, id)).health?.ok === true, 10_000)).toBe(
        true,
      );
      expect(await waitGone(created.pid)).toBe(true);
      await s.station.operations.persistence!.flushed();

      const entries = (await history(s, id)).entries;
      expect(entries.map((e: any) => [e.kind, e.status])).toEqual([
        ["status", "starting"],
        ["status", "running"],
        ["health", "running"],
        ["health", "unresponsive"],
        ["exit", "exited"],
        ["restart", "restarting"],
        ["status", "starting"],
        ["status", "running"],
        ["health", "running"],
      ]);
      // Killed by the restart policy, not stopped: a hung server takes no graceful stop (src/sessions/restart.ts).
      expect(entries[4]).toMatchObject({ crashed: true, exit_signal: "SIGKILL" });
      expect(entries[5].reason).toBe("it stopped answering health checks");
      expect(entries[8]).toMatchObject({ ok: true, consecutive_failures: 0 });
    });

    test("a session whose rows are gone from the store while it lives on is served from memory", async () => {
      const s = await station(kind, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
      const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      await s.station.operations.persistence!.flushed();
      const stored = await history(s, created.session_id);
      expect(stored.source).toBe("store");
      await s.station.operations.store!.remove(created.session_id);
      const known = await history(s, created.session_id);
      expect(known).toEqual({ ...stored, source: "memory" });
    });

    test("another tenant's key gets the 404 of an unknown session; the owner and an admin get the history", async () => {
      const s = await station(kind, { ...KEYS_ENV, MCP_STATION_HEALTH_INTERVAL_MS: "0" });
      const as = (key: string) => ({ authorization: `Bearer ${key}` });
      const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, as(KEY_A))).body;
      const path = `/sessions/${created.session_id}/history`;
      const other = await s.call("GET", path, undefined, as(KEY_B));
      const unknown = await s.call("GET", `/sessions/${crypto.randomUUID()}/history`, undefined, as(KEY_B));
      expect(other.status).toBe(404);
      expect(other.body.error.data.type).toBe("session_not_found");
      expect(unknown.status).toBe(404);
      expect(other.body.error.data.type).toBe(unknown.body.error.data.type);
      expect((await s.call("GET", path, undefined, as(KEY_A))).body.count).toBe(2);
      expect((await s.call("GET", path, undefined, as(ADMIN_KEY))).body.count).toBe(2);
      expect((await s.call("GET", path)).status).toBe(401);
    });
  });
}

describe("session history", () => {
  const [sqlite] = storeKinds();
  afterAll(() => sqlite!.cleanup());

  test("an exit's stderr tail is its last 20 lines, cut to their last 2,048 characters", async () => {
    const s = await station(sqlite!, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
    // 2 MiB of stderr at start, in lines of 1,023 characters.
    const created = (await s.call("POST", "/sessions", { server_command: fixture("stderr-flood.mjs") })).body;
    process.kill(created.pid, "SIGKILL");
    expect(await eventually(async () => (await info(s, created.session_id)).status === "exited")).toBe(true);
    const exit = (await history(s, created.session_id)).entries.find((e: any) => e.kind === "exit");
    expect(exit).toMatchObject({
      status: "exited",
      exit_code: null,
      exit_signal: "SIGKILL",
      crashed: true,
      detail: "crashed: killed by SIGKILL",
    });
    expect(exit.stderr_tail).toBe(Array(20).fill("e".repeat(1023)).join("\n").slice(-2048));
  });

  test("limit: the newest entries, oldest first; 1 to 100, else 422", async () => {
    const s = await station(sqlite!, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure" })).body;
    await crash(s, created.session_id);
    expect(await eventually(async () => (await info(s, created.session_id)).restarts === 1, 10_000)).toBe(true);
    const all = await history(s, created.session_id);
    expect(all.count).toBe(6);
    const last = await history(s, created.session_id, "?limit=2");
    expect(last).toMatchObject({ count: 2, entries: all.entries.slice(-2) });
    expect((await history(s, created.session_id, "?limit=100")).count).toBe(6);
    for (const limit of ["0", "101", "x"]) {
      const refused = await s.call("GET", `/sessions/${created.session_id}/history?limit=${limit}`);
      expect({ limit, status: refused.status }).toEqual({ limit, status: 422 });
    }
  });

  test("with persistence off, the history is what this run of the station saw, from memory", async () => {
    const s = await startOpsStation({ ...FAST, MCP_STATION_PERSISTENCE: "off", MCP_STATION_HEALTH_INTERVAL_MS: "0" });
    stations.push(s);
    expect(s.station.operations.store).toBeUndefined();
    const created = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure" })).body;
    await crash(s, created.session_id);
    expect(await eventually(async () => (await info(s, created.session_id)).restarts === 1, 10_000)).toBe(true);
    const page = await history(s, created.session_id);
    expect(page.source).toBe("memory");
    expect(steps(page.entries)).toEqual([
      ["status", "starting"],
      ["status", "running"],
      ["exit", "exited"],
      ["restart", "restarting"],
      ["status", "starting"],
      ["status", "running"],
    ]);
  });

  test("a store that fails the read: this run's entries, and a log line", async () => {
    const s = await station(sqlite!, { MCP_STATION_HEALTH_INTERVAL_MS: "0" });
    const created = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
    await s.station.operations.persistence!.flushed();
    const stored = await history(s, created.session_id);
    const db = s.station.operations.store!.db as { all: (...args: any[]) => Promise<any> };
    const all = db.all;
    db.all = async () => {
      throw new Error("connection refused (test: database down)");
    };
    try {
      expect(await history(s, created.session_id)).toEqual({ ...stored, source: "memory" });
    } finally {
      db.all = all;
    }
    expect(s.logs.find((l) => l.msg === "session history: the store did not answer; serving this run's entries")).toMatchObject({
      session_id: created.session_id,
    });
  });

  test("the OpenAPI document describes the route: its limit and its entries", async () => {
    const s = await station(sqlite!);
    const doc = (await s.call("GET", "/openapi/json")).body;
    const route = doc.paths["/sessions/{session_id}/history"].get;
    expect(route.parameters.map((p: any) => [p.in, p.name])).toEqual(
      expect.arrayContaining([
        ["path", "session_id"],
        ["query", "limit"],
      ]),
    );
    const schema = JSON.stringify(route.responses["200"]);
    for (const field of ["entries", "stderr_tail", "next_attempt_at", "consecutive_failures", "source"]) expect(schema).toContain(field);
    expect(route.responses["404"]).toBeDefined();
  });
});
