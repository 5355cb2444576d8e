/**
 * The two databases the store runs on, behind one small interface: bun:sqlite
 * in a file (the default) and PostgreSQL through Bun's built-in SQL client.
 * Statements are written once with `?` placeholders; PostgreSQL gets them
 * renumbered as `$1, $2, ...`. Values are text and integers only (JSON is kept
 * as text), so both return the same rows.
 *
 * @example
 *   const db = await openDatabase({ dataDir: "/data" });
 *   await db.run("insert into t (a) values (?)", ["x"]);
 */
import { Database } from "bun:sqlite";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";

export type Value = string | number | null;
export type Row = Record<string, Value>;

export interface SqlDatabase {
  readonly kind: "sqlite" | "postgres";
  /** Where it lives, without credentials: a file path or host/database. */
  readonly location: string;
  run(sql: string, params?: Value[]): Promise<void>;
  all(sql: string, params?: Value[]): Promise<Row[]>;
  /**
   * Runs `fn` while no other process holds the lock `name` on this database (PostgreSQL: an advisory lock).
   * Stations that start together on one PostgreSQL (a cluster) would otherwise race on the same migration.
   * Unset (SQLite): one station per file, which the instance lease sees to.
   */
  withLock?<T>(name: string, fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://... ; when unset, SQLite in dataDir. */
  url?: string;
  dataDir: string;
}

export async function openDatabase(options: DatabaseOptions): Promise<SqlDatabase> {
  if (options.url) return openPostgres(options.url);
  return openSqlite(options.dataDir);
}

function openSqlite(dataDir: string): SqlDatabase {
  // The file may hold env_vars values (MCP_STATION_STORE_SECRETS=keep): readable by the station's user only.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, "mcp-station.sqlite");
  const db = new Database(path, { create: true, strict: false });
  chmodSync(path, 0o600);
  // WAL: readers never wait on the writer; NORMAL sync is durable across a process crash (SIGKILL), which is what we restore from.
  db.run("pragma journal_mode = wal");
  db.run("pragma synchronous = normal");
  db.run("pragma busy_timeout = 5000");
  return {
    kind: "sqlite",
    location: path,
    run: async (sql, params = []) => {
      db.query(sql).run(...params);
    },
    all: async (sql, params = []) => db.query(sql).all(...params) as Row[],
    close: async () => db.close(),
  };
}

/** `?` -> `$n`. The statements are ours and never contain a literal question mark. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function openPostgres(url: string): SqlDatabase {
  const parsed = new URL(url);
  const sql = new SQL(url, { max: 4, idleTimeout: 30, connectionTimeout: 5 });
  const cache = new Map<string, string>();
  const text = (statement: string) => {
    let out = cache.get(statement);
    if (out === undefined) cache.set(statement, (out = numbered(statement)));
    return out;
  };
  return {
    kind: "postgres",
    location: `${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    run: async (statement, params = []) => {
      await sql.unsafe(text(statement), params);
    },
    all: async (statement, params = []) => [...((await sql.unsafe(text(statement), params)) as Row[])],
    withLock: async (name, fn) => {
      // Session-level: held by the reserved connection until unlocked or the connection ends (the process dies).
      const held = await sql.reserve();
      try {
        await held.unsafe("select pg_advisory_lock(hashtext($1))", [name]);
        return await fn();
      } finally {
        await held.unsafe("select pg_advisory_unlock(hashtext($1))", [name]).catch(() => {});
        held.release();
      }
    },
    close: async () => {
      await sql.close({ timeout: 2 });
    },
  };
}
