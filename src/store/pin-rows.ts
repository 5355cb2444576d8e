/**
 * The approved tool definitions (src/pins) in the store, one row per server
 * and tool: its fingerprint, the definition it was taken from, and when it
 * was approved (or first seen). Not per instance: every station sharing the
 * database trusts the same definitions.
 */
import type { SqlDatabase } from "./database.ts";

export interface PinRow {
  server: string;
  tool: string;
  fingerprint: string;
  /** The pinned part of the definition as JSON; null for a pin given by fingerprint alone. */
  definition: string | null;
  approved_at: string;
}

export class PinRows {
  constructor(
    private readonly db: SqlDatabase,
    private readonly p: string,
  ) {}

  async load(): Promise<PinRow[]> {
    const rows = await this.db.all(`select server, tool, fingerprint, definition, approved_at from ${this.p}tool_pins`);
    return rows.map((r) => ({
      server: String(r.server),
      tool: String(r.tool),
      fingerprint: String(r.fingerprint),
      definition: r.definition === null ? null : String(r.definition),
      approved_at: String(r.approved_at),
    }));
  }

  async save(row: PinRow): Promise<void> {
    await this.db.run(
      `insert into ${this.p}tool_pins (server, tool, fingerprint, definition, approved_at) values (?, ?, ?, ?, ?)
       on conflict (server, tool) do update set fingerprint = excluded.fingerprint, definition = excluded.definition, approved_at = excluded.approved_at`,
      [row.server, row.tool, row.fingerprint, row.definition, row.approved_at],
    );
  }
}
