/**
 * What the station remembers about its sessions, in SQLite or PostgreSQL:
 * one row per session (what was asked for, its status and times, the
 * handshake result, its owner, the process group it runs in) and a bounded
 * history of what happened to it (history-entry.ts). The schema and its
 * versions are migrations.ts's. Rows belong to one station instance, so
 * stations sharing a database never restore (or reap) each other's sessions.
 *
 * @example
 *   const store = await SessionStore.open(db, { instance: "default", tablePrefix: "mcp_station_" });
 *   await store.save(record);
 *   for (const row of await store.load()) ...
 */
import type { SessionRequest } from "../sessions/launch-request.ts";
import type { Row, SqlDatabase, Value } from "./database.ts";
import { HISTORY_KEPT, type HistoryEntry, fromColumns, toColumns } from "./history-entry.ts";
import { SCHEMA_VERSION, migrate } from "./migrations.ts";

/** The process group a session's server runs in, with what identifies that very process after a restart. */
export interface StoredProcess {
  pgid: number;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot when it started. */
  startTicks: string;
  bootId: string;
}

export interface StoredSession {
  session_id: string;
  owner: string | null;
  status: string;
  /** The caller's request, kept as sent so a restore plans the launch again under the current policy. */
  request: SessionRequest;
  /** env_vars names whose values were not stored (MCP_STATION_STORE_SECRETS=drop). */
  dropped_env: string[];
  identity: Record<string, unknown> | null;
  created_at: string;
  started_at: string | null;
  exited_at: string | null;
  restored_at: string | null;
  restarts: number;
  failure_reason: string | null;
  process: StoredProcess | null;
}

export interface StoreOptions {
  instance: string;
  /** Prefix of every table name: letters, digits and underscores. */
  tablePrefix: string;
  /** History entries kept per session (HISTORY_KEPT). */
  historyLimit?: number;
  /**
   * Cluster mode: this node's id. Every row it writes names it as owner, and every update or delete is
   * conditional on the row still being this node's at the generation it holds (generationOf), so a node
   * that lost a session to another can change nothing about it.
   */
  node?: string;
}

const COLUMNS =
  "session_id, instance, owner, status, request, dropped_env, identity, created_at, started_at, exited_at, restored_at, restarts, failure_reason, pgid, start_ticks, boot_id, updated_at";

/** A save's update of an existing row: every column but the key (and, in cluster mode, never node or generation). */
const UPDATES = COLUMNS.split(", ")
  .slice(1)
  .map((c) => `${c} = excluded.${c}`)
  .join(", ");

const placeholders = (values: readonly unknown[]) => values.map(() => "?").join(", ");

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/;

/** The station process holding an instance of the store. */
export interface InstanceHolder {
  host: string;
  pid: number;
  startTicks: string;
  bootId: string;
  seenAt: string;
}

export class SessionStore {
  private readonly p: string;
  private readonly historyLimit: number;
  private readonly seq = new Map<string, number>();
  /** Cluster mode: the generation at which this node owns each session it adopted; a session it created is at 1. */
  private readonly generations = new Map<string, number>();
  /** Writes refused because another node owns the session now (cluster mode). */
  staleWrites = 0;

  private constructor(
    readonly db: SqlDatabase,
    private readonly options: StoreOptions,
  ) {
    if (!IDENTIFIER.test(options.tablePrefix))
      throw new Error(`table prefix must be letters, digits and underscores: "${options.tablePrefix}"`);
    this.p = options.tablePrefix;
    this.historyLimit = options.historyLimit ?? HISTORY_KEPT;
  }

  /** Opens the store and brings its schema up to date. */
  static async open(db: SqlDatabase, options: StoreOptions): Promise<SessionStore> {
    const store = new SessionStore(db, options);
    await store.migrate();
    return store;
  }

  get schemaVersion(): number {
    return SCHEMA_VERSION;
  }

  private migrate(): Promise<void> {
    const run = () => migrate(this.db, this.p);
    return this.db.withLock ? this.db.withLock(`${this.p}migrate`, run) : run();
  }

  /** Cluster mode: the ownership generation this node writes `sessionId` at (set when it adopts the session). */
  setGeneration(sessionId: string, generation: number): void {
    this.generations.set(sessionId, generation);
  }

  generationOf(sessionId: string): number {
    return this.generations.get(sessionId) ?? 1;
  }

  get tablePrefix(): string {
    return this.p;
  }

  /** Writes the whole row (insert or replace); in cluster mode, only while this node still owns it at its generation. */
  async save(s: StoredSession): Promise<void> {
    if (this.options.node !== undefined) return this.saveOwned(s);
    const values = this.rowValues(s);
    await this.db.run(
      `insert into ${this.p}sessions (${COLUMNS}) values (${placeholders(values)}) on conflict (session_id) do update set ${UPDATES}`,
      values,
    );
  }

  /**
   * The fenced write: a new row names this node at generation 1; an existing one is updated only where node
   * and generation still match. A write refused is counted, not raised: the session is another node's now.
   */
  private async saveOwned(s: StoredSession): Promise<void> {
    const values = [...this.rowValues(s), this.options.node!, this.generationOf(s.session_id)];
    const written = await this.db.all(
      `insert into ${this.p}sessions (${COLUMNS}, node, generation) values (${placeholders(values)})
       on conflict (session_id) do update set ${UPDATES}
       where ${this.p}sessions.node = excluded.node and ${this.p}sessions.generation = excluded.generation
       returning session_id`,
      values,
    );
    if (written.length === 0) this.staleWrites += 1;
  }

  /** The row's values in COLUMNS order. */
  private rowValues(s: StoredSession): Value[] {
    return [
      s.session_id,
      this.options.instance,
      s.owner,
      s.status,
      JSON.stringify(s.request),
      JSON.stringify(s.dropped_env),
      s.identity ? JSON.stringify(s.identity) : null,
      s.created_at,
      s.started_at,
      s.exited_at,
      s.restored_at,
      s.restarts,
      s.failure_reason,
      s.process?.pgid ?? null,
      s.process?.startTicks ?? null,
      s.process?.bootId ?? null,
      new Date().toISOString(),
    ];
  }

  /** Appends an entry to the session's history and trims it to its limit. */
  async addHistory(sessionId: string, entry: HistoryEntry): Promise<void> {
    let seq = this.seq.get(sessionId);
    if (seq === undefined) {
      const rows = await this.db.all(`select max(seq) as seq from ${this.p}status_history where session_id = ?`, [sessionId]);
      seq = Number(rows[0]?.seq ?? 0);
    }
    seq += 1;
    this.seq.set(sessionId, seq);
    const row = toColumns(entry);
    await this.db.run(
      `insert into ${this.p}status_history (session_id, seq, at, kind, status, detail, data) values (?, ?, ?, ?, ?, ?, ?)`,
      [sessionId, seq, row.at, row.kind, row.status, row.detail, row.data],
    );
    if (seq > this.historyLimit) {
      await this.db.run(`delete from ${this.p}status_history where session_id = ? and seq <= ?`, [sessionId, seq - this.historyLimit]);
    }
  }

  /** The session's newest `limit` history entries, oldest first. */
  async history(sessionId: string, limit = this.historyLimit): Promise<HistoryEntry[]> {
    const rows = await this.db.all(
      `select at, kind, status, detail, data from ${this.p}status_history where session_id = ? order by seq desc limit ?`,
      [sessionId, limit],
    );
    return rows.reverse().map(fromColumns);
  }

  async remove(sessionId: string): Promise<void> {
    this.seq.delete(sessionId);
    if (this.options.node !== undefined) {
      const generation = this.generationOf(sessionId);
      this.generations.delete(sessionId);
      const removed = await this.db.all(
        `delete from ${this.p}sessions where session_id = ? and node = ? and generation = ? returning session_id`,
        [sessionId, this.options.node, generation],
      );
      // Another node's session now: its history is that node's too.
      if (removed.length === 0) {
        this.staleWrites += 1;
        return;
      }
      await this.db.run(`delete from ${this.p}status_history where session_id = ?`, [sessionId]);
      return;
    }
    await this.db.run(`delete from ${this.p}sessions where session_id = ? and instance = ?`, [sessionId, this.options.instance]);
    await this.db.run(`delete from ${this.p}status_history where session_id = ?`, [sessionId]);
  }

  /** This instance's sessions, oldest first. */
  async load(): Promise<StoredSession[]> {
    const rows = await this.db.all(`select * from ${this.p}sessions where instance = ? order by created_at`, [this.options.instance]);
    return rows.map(fromRow);
  }

  async holder(): Promise<InstanceHolder | undefined> {
    const rows = await this.db.all(`select * from ${this.p}instances where instance = ?`, [this.options.instance]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      host: String(r.host),
      pid: Number(r.pid),
      startTicks: String(r.start_ticks),
      bootId: String(r.boot_id),
      seenAt: String(r.seen_at),
    };
  }

  /** Records `holder` as this instance's station (replacing whoever held it). */
  async hold(holder: InstanceHolder): Promise<void> {
    await this.db.run(
      `insert into ${this.p}instances (instance, host, pid, start_ticks, boot_id, seen_at) values (?, ?, ?, ?, ?, ?)
       on conflict (instance) do update set host = excluded.host, pid = excluded.pid, start_ticks = excluded.start_ticks, boot_id = excluded.boot_id, seen_at = excluded.seen_at`,
      [this.options.instance, holder.host, holder.pid, holder.startTicks, holder.bootId, holder.seenAt],
    );
  }

  async release(holder: InstanceHolder): Promise<void> {
    await this.db.run(`delete from ${this.p}instances where instance = ? and host = ? and pid = ? and start_ticks = ?`, [
      this.options.instance,
      holder.host,
      holder.pid,
      holder.startTicks,
    ]);
  }

  /** Whether the database answers; for /readyz. */
  async ping(): Promise<void> {
    await this.db.all("select 1 as ok");
  }

  /** Drops every table of this prefix (tests use a prefix of their own). */
  async dropTables(): Promise<void> {
    for (const table of ["sessions", "status_history", "instances", "tool_pins", "secrets", "schema"])
      await this.db.run(`drop table if exists ${this.p}${table}`);
  }

  /** Set by holdInstance (instance-lease.ts): gives the instance up at close. */
  releaseHold: (() => Promise<void>) | undefined;

  async close(): Promise<void> {
    await this.releaseHold?.();
    await this.db.close();
  }
}

function json<T>(value: Value, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return JSON.parse(String(value)) as T;
}

function text(value: Value): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function fromRow(r: Row): StoredSession {
  return {
    session_id: String(r.session_id),
    owner: text(r.owner),
    status: String(r.status),
    request: json(r.request, {}),
    dropped_env: json(r.dropped_env, []),
    identity: json(r.identity, null),
    created_at: String(r.created_at),
    started_at: text(r.started_at),
    exited_at: text(r.exited_at),
    restored_at: text(r.restored_at),
    restarts: Number(r.restarts ?? 0),
    failure_reason: text(r.failure_reason),
    process:
      r.pgid === null || r.pgid === undefined
        ? null
        : { pgid: Number(r.pgid), startTicks: String(r.start_ticks), bootId: String(r.boot_id) },
  };
}
