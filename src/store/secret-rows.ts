/**
 * Tenants' secrets in the store, as src/secrets/vault.ts encrypted them: the
 * store never sees a clear value. Not per instance: a tenant's secrets are
 * the same on every station sharing the database.
 */
import type { Row, SqlDatabase } from "./database.ts";

export interface StoredSecret {
  tenant: string;
  name: string;
  ciphertext: string;
  key_id: string;
  updated_at: string;
}

const fromRow = (r: Row): StoredSecret => ({
  tenant: String(r.tenant),
  name: String(r.name),
  ciphertext: String(r.ciphertext),
  key_id: String(r.key_id),
  updated_at: String(r.updated_at),
});

export class SecretRows {
  constructor(
    private readonly db: SqlDatabase,
    private readonly p: string,
  ) {}

  async get(tenant: string, name: string): Promise<StoredSecret | undefined> {
    const rows = await this.db.all(`select * from ${this.p}secrets where tenant = ? and name = ?`, [tenant, name]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async put(row: StoredSecret): Promise<void> {
    await this.db.run(
      `insert into ${this.p}secrets (tenant, name, ciphertext, key_id, updated_at) values (?, ?, ?, ?, ?)
       on conflict (tenant, name) do update set ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = excluded.updated_at`,
      [row.tenant, row.name, row.ciphertext, row.key_id, row.updated_at],
    );
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    const existing = await this.get(tenant, name);
    if (!existing) return false;
    await this.db.run(`delete from ${this.p}secrets where tenant = ? and name = ?`, [tenant, name]);
    return true;
  }

  async list(tenant?: string): Promise<StoredSecret[]> {
    const rows =
      tenant === undefined
        ? await this.db.all(`select * from ${this.p}secrets order by tenant, name`)
        : await this.db.all(`select * from ${this.p}secrets where tenant = ? order by name`, [tenant]);
    return rows.map(fromRow);
  }
}
