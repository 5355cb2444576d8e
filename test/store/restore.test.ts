/**
 * Sessions outlive the station: shut it down (or lose it) with sessions
 * running, start a new station on the same store, and they answer under
 * their old ids, re-spawned and handshaken again. Run against both stores.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually, isRunning, waitGone } from "../support/processes.ts";
import { type OpsStation, startOpsStation, storeKinds } from "../ops/support.ts";

const stations: OpsStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
});

/** Each test runs as a station instance of its own, so tests sharing a database never see each other's sessions. */
async function station(env: Record<string, string>, kind: { open(instance?: string): Promise<any> }, instance: string) {
  const s = await startOpsStation(env, await kind.open(instance));
  stations.push(s);
  return s;
}

for (const kind of storeKinds()) {
  describe(`restore on ${kind.name}`, () => {
    afterAll(() => kind.cleanup());

    test("three sessions come back under their old ids after a restart, each started and initialized again", async () => {
      const instance = crypto.randomUUID();
      const first = await station(kind.env, kind, instance);
      const created = [
        (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs"), env_vars: { GREETING: "hello" } })).body,
        (await first.call("POST", "/sessions", { server_command: fixture("modern.mjs") })).body,
        (
          await first.call("POST", "/sessions", {
            server_type: "node",
            server_command: fixture("sdk-v1-server.mjs"),
            roots: [{ uri: "file:///tmp" }],
          })
        ).body,
      ];
      for (const c of created) expect(c.status).toBe("running");
      await first.station.operations.persistence!.flushed();
      await first.stop();
      stations.splice(stations.indexOf(first), 1);
      for (const c of created) expect(await waitGone(c.pid)).toBe(true);

      const second = await station(kind.env, kind, instance);
      const report = await second.station.operations.restore();
      expect(report).toMatchObject({ restored: 3, failed: 0 });
      for (const old of created) {
        const info = (await second.call("GET", `/sessions/${old.session_id}`)).body;
        expect(info.status).toBe("running");
        expect(info.restored).toBe(true);
        expect(Date.parse(info.restored_at)).toBeGreaterThan(Date.parse(old.created_at));
        expect(info.created_at).toBe(old.created_at);
        expect(info.pid).not.toBe(old.pid);
        expect(info.era).toBe(old.era);
      }
      const env = await second.call("POST", "/mcp/request", {
        session_id: created[0].session_id,
        method: "tools/call",
        params: { name: "env", arguments: { name: "GREETING" } },
      });
      expect(env.body.data.structuredContent.value).toBe("hello");
      const modern = await second.call("POST", "/mcp/request", {
        session_id: created[1].session_id,
        method: "tools/call",
        params: { name: "echo", arguments: { text: "back" } },
      });
      expect(modern.body.data.content[0].text).toBe("back");
      expect((await second.call("GET", `/sessions/${created[2].session_id}`)).body.roots).toEqual([{ uri: "file:///tmp" }]);
      const history = await second.station.operations.store!.history(created[0].session_id);
      expect(history.map((h) => h.status)).toEqual(["starting", "running", "starting", "running"]);
    });

    test("a deleted session stays deleted, and one that had exited is forgotten", async () => {
      const instance = crypto.randomUUID();
      const first = await station(kind.env, kind, instance);
      const kept = (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      const deleted = (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      const crashed = (await first.call("POST", "/sessions", { server_command: fixture("crash.mjs") })).body;
      await first.call("DELETE", `/sessions/${deleted.session_id}`);
      await first.call("POST", "/mcp/request", {
        session_id: crashed.session_id,
        method: "tools/call",
        params: { name: "crash", arguments: {} },
      });
      expect(await eventually(async () => (await first.call("GET", `/sessions/${crashed.session_id}`)).body.status === "exited")).toBe(
        true,
      );
      await first.station.operations.persistence!.flushed();
      await first.stop();
      stations.splice(stations.indexOf(first), 1);

      const second = await station(kind.env, kind, instance);
      expect(await second.station.operations.restore()).toMatchObject({ restored: 1, forgotten: 1 });
      const ids = (await second.call("GET", "/sessions")).body.sessions.map((s: any) => s.session_id);
      expect(ids).toEqual([kept.session_id]);
    });

    test("a session tied to a client connection (the MCP endpoint's own) is recorded, then forgotten at restore", async () => {
      const instance = crypto.randomUUID();
      const first = await station(kind.env, kind, instance);
      const pooled = await first.station.manager.create({ server_command: fixture("echo.mjs"), ephemeral: true });
      await first.station.operations.persistence!.flushed();
      expect((await first.station.operations.store!.load()).map((r) => r.session_id)).toEqual([pooled.id]);
      await first.stop();
      stations.splice(stations.indexOf(first), 1);

      const second = await station(kind.env, kind, instance);
      expect(await second.station.operations.restore()).toMatchObject({ restored: 0, forgotten: 1 });
      expect((await second.call("GET", "/sessions")).body.count).toBe(0);
    });

    test("with MCP_STATION_STORE_SECRETS=drop, env_vars values never reach the store and such a session comes back failed, saying why", async () => {
      const instance = crypto.randomUUID();
      const env = { ...kind.env, MCP_STATION_STORE_SECRETS: "drop" };
      const first = await station(env, kind, instance);
      const secret = (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs"), env_vars: { API_KEY: "s3cret-value" } }))
        .body;
      const plain = (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
      await first.station.operations.persistence!.flushed();
      const stored = await first.station.operations.store!.load();
      expect(JSON.stringify(stored)).not.toContain("s3cret-value");
      expect(stored.find((r) => r.session_id === secret.session_id)?.dropped_env).toEqual(["API_KEY"]);
      await first.stop();
      stations.splice(stations.indexOf(first), 1);

      const second = await station(env, kind, instance);
      expect(await second.station.operations.restore()).toMatchObject({ restored: 1, failed: 1 });
      const failed = (await second.call("GET", `/sessions/${secret.session_id}`)).body;
      expect(failed.status).toBe("failed");
      expect(failed.pid).toBeNull();
      expect(failed.failure_reason).toContain("API_KEY");
      expect(failed.failure_reason).toContain("MCP_STATION_STORE_SECRETS=drop");
      expect((await second.call("GET", `/sessions/${plain.session_id}`)).body.status).toBe("running");
      const refused = await second.call("POST", "/mcp/request", { session_id: secret.session_id, method: "tools/list" });
      expect(refused.status).toBe(409);
    });

    test("a session the command policy no longer allows comes back failed with the policy's reason", async () => {
      const instance = crypto.randomUUID();
      const dir = mkdtempSync(join(tmpdir(), "mcp-station-registry-"));
      try {
        const first = await station(kind.env, kind, instance);
        const created = (await first.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body;
        await first.station.operations.persistence!.flushed();
        await first.stop();
        stations.splice(stations.indexOf(first), 1);

        const registry = join(dir, "servers.json");
        writeFileSync(registry, JSON.stringify({ mcpServers: { echo: { command: "node", args: [fixture("echo.mjs")] } } }));
        const second = await station({ ...kind.env, MCP_STATION_SERVERS_FILE: registry }, kind, instance);
        expect(await second.station.operations.restore()).toMatchObject({ restored: 0, failed: 1 });
        const info = (await second.call("GET", `/sessions/${created.session_id}`)).body;
        expect(info.status).toBe("failed");
        expect(info.failure_reason).toContain("could not be restored");
        expect(info.failure_reason).toContain("registry");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test("a server that no longer starts leaves its session failed with the server's reason", async () => {
      const instance = crypto.randomUUID();
      const dir = mkdtempSync(join(tmpdir(), "mcp-station-gone-"));
      try {
        const script = join(dir, "server.mjs");
        writeFileSync(script, `import(${JSON.stringify(fixture("echo.mjs"))});\n`);
        const first = await station(kind.env, kind, instance);
        const created = (await first.call("POST", "/sessions", { server_type: "node", server_command: script })).body;
        expect(created.status).toBe("running");
        await first.station.operations.persistence!.flushed();
        await first.stop();
        stations.splice(stations.indexOf(first), 1);
        writeFileSync(script, "process.stderr.write('config missing\\n'); process.exit(4);\n");

        const second = await station(kind.env, kind, instance);
        expect(await second.station.operations.restore()).toMatchObject({ restored: 0, failed: 1 });
        const info = (await second.call("GET", `/sessions/${created.session_id}`)).body;
        expect(info.status).toBe("failed");
        expect(info.failure_reason).toContain("exit code 4");
        expect(isRunning(created.pid)).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
