/**
 * The store's schema, version by version. Each entry moves it one version up
 * and is never edited once shipped: a change is the next entry. The version
 * reached is a row of `<prefix>schema`, so a station applies only what is
 * newer, and an older station's database is brought up at start.
 *
 * Every step can run twice: a station killed between a step and the row that
 * records its version runs the step again at its next start.
 */
import type { SqlDatabase } from "./database.ts";

/** A column added to a table, unless it is there already (neither database has `add column if not exists` in common). */
interface AddColumn {
  table: string;
  column: string;
  definition: string;
}

type Step = string | AddColumn;

const MIGRATIONS: ((p: string) => Step[])[] = [
  (p) => [
    `create table if not exists ${p}sessions (
      session_id text primary key,
      instance text not null,
      owner text,
      status text not null,
      request text not null,
      dropped_env text not null,
      identity text,
      created_at text not null,
      started_at text,
      exited_at text,
      restored_at text,
      restarts integer not null,
      failure_reason text,
      pgid integer,
      start_ticks text,
      boot_id text,
      updated_at text not null
    )`,
    `create index if not exists ${p}sessions_instance on ${p}sessions (instance)`,
    `create table if not exists ${p}status_history (
      session_id text not null,
      seq integer not null,
      at text not null,
      status text not null,
      detail text,
      primary key (session_id, seq)
    )`,
  ],
  // Which station holds an instance: one at a time, or the second would end the first one's servers.
  (p) => [
    `create table if not exists ${p}instances (
      instance text primary key,
      host text not null,
      pid integer not null,
      start_ticks text not null,
      boot_id text not null,
      seen_at text not null
    )`,
  ],
  // The history holds exits, restarts and health checks besides status changes (history-entry.ts);
  // the rows already there are status changes, which the default says.
  (p) => [
    { table: `${p}status_history`, column: "kind", definition: "text not null default 'status'" },
    { table: `${p}status_history`, column: "data", definition: "text" },
  ],
  // Cluster mode (src/cluster): the node that owns a session and the generation of that ownership, which
  // every move increases and every owner's write is conditional on (a fencing token). One station: null and 0.
  (p) => [
    { table: `${p}sessions`, column: "node", definition: "text" },
    { table: `${p}sessions`, column: "generation", definition: "integer not null default 0" },
    `create index if not exists ${p}sessions_node on ${p}sessions (node)`,
  ],
  // Pinned tool definitions (src/pins) and tenants' secrets, encrypted (src/secrets): shared by every instance.
  (p) => [
    `create table if not exists ${p}tool_pins (
      server text not null,
      tool text not null,
      fingerprint text not null,
      definition text,
      approved_at text not null,
      primary key (server, tool)
    )`,
    `create table if not exists ${p}secrets (
      tenant text not null,
      name text not null,
      ciphertext text not null,
      key_id text not null,
      updated_at text not null,
      primary key (tenant, name)
    )`,
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the tables of prefix `p` up to SCHEMA_VERSION. */
export async function migrate(db: SqlDatabase, p: string): Promise<void> {
  await db.run(`create table if not exists ${p}schema (version integer not null)`);
  const rows = await db.all(`select max(version) as version from ${p}schema`);
  const current = Number(rows[0]?.version ?? 0);
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    for (const step of MIGRATIONS[version - 1]!(p)) {
      if (typeof step === "string") await db.run(step);
      else if (!(await hasColumn(db, step.table, step.column)))
        await db.run(`alter table ${step.table} add column ${step.column} ${step.definition}`);
    }
    await db.run(`insert into ${p}schema (version) values (?)`, [version]);
  }
}

async function hasColumn(db: SqlDatabase, table: string, column: string): Promise<boolean> {
  try {
    await db.all(`select ${column} from ${table} limit 0`);
    return true;
  } catch {
    return false;
  }
}
