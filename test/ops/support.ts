/**
 * Stations for the operations tests: in this process with a store, a
 * logger and the metrics at hand, or as a separate process on a data dir.
 * Both stores come from `storeKinds()`: SQLite in a temp directory, and
 * PostgreSQL at 127.0.0.1:5432 (database test, trust auth) under a table
 * prefix of this run's own, dropped afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStation } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { type Logger, createLogger, silentLogger } from "../../src/log.ts";
import { openDatabase } from "../../src/store/database.ts";
import { SessionStore } from "../../src/store/session-store.ts";
import { type StationCall, TEST_ENV, httpCall } from "../support/station.ts";

export const POSTGRES_URL = process.env.MCP_STATION_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface StoreKind {
  name: "sqlite" | "postgres";
  /** Settings that point a station at this store. */
  env: Record<string, string>;
  open(instance?: string): Promise<SessionStore>;
  /** Drops the tables (postgres) or the directory (sqlite). */
  cleanup(): Promise<void>;
}

export function storeKinds(): StoreKind[] {
  const dir = mkdtempSync(join(tmpdir(), "mcp-station-store-"));
  const prefix = `mcp_station_t${process.pid}_${Math.random().toString(36).slice(2, 8)}_`;
  const sqlite: StoreKind = {
    name: "sqlite",
    env: { MCP_STATION_DATA_DIR: join(dir, "data") },
    open: async (instance = "default") =>
      SessionStore.open(await openDatabase({ dataDir: join(dir, "data") }), { instance, tablePrefix: "mcp_station_" }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
  const postgres: StoreKind = {
    name: "postgres",
    env: { MCP_STATION_DATABASE_URL: POSTGRES_URL, MCP_STATION_TABLE_PREFIX: prefix },
    open: async (instance = "default") =>
      SessionStore.open(await openDatabase({ url: POSTGRES_URL, dataDir: dir }), { instance, tablePrefix: prefix }),
    cleanup: async () => {
      const store = await postgres.open();
      await store.dropTables();
      await store.close();
    },
  };
  return [sqlite, postgres];
}

export interface OpsStation {
  url: string;
  station: ReturnType<typeof createStation>;
  logs: Record<string, any>[];
  call: StationCall;
  /** Shuts down as SIGTERM does: the store keeps its record for the next start. */
  stop(): Promise<void>;
}

export async function startOpsStation(env: Record<string, string> = {}, store?: SessionStore): Promise<OpsStation> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const logs: Record<string, any>[] = [];
  const log: Logger = createLogger("info", (line) => logs.push(JSON.parse(line)));
  const station = createStation(config, log ?? silentLogger, { store });
  station.app.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `http://127.0.0.1:${station.app.server!.port}`;
  const call: OpsStation["call"] = (method, path, body, headers = {}) => httpCall(url, method, path, body, headers);

  return {
    url,
    station,
    logs,
    call,
    stop: async () => {
      station.registry.close();
      await station.operations.freeze();
      await station.manager.shutdown();
      await station.app.stop(true);
      await station.operations.close();
    },
  };
}

let promtoolMissingSaid = false;

/**
 * Runs `promtool check metrics` on the text; null when promtool is not
 * installed (test/setup/prepare.ts installs it where it can), said once.
 */
export function promtoolCheck(text: string): { ok: boolean; output: string } | null {
  const promtool = Bun.which("promtool");
  if (!promtool) {
    if (!promtoolMissingSaid)
      console.warn("promtool not on PATH: /metrics format not checked (bun run test/setup/prepare.ts installs it on Debian as root)");
    promtoolMissingSaid = true;
    return null;
  }
  const result = Bun.spawnSync([promtool, "check", "metrics"], { stdin: new TextEncoder().encode(text), stdout: "pipe", stderr: "pipe" });
  return { ok: result.exitCode === 0, output: `${result.stdout.toString()}${result.stderr.toString()}` };
}
