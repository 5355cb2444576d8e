/** Secrets kept in memory, for a station without a store: they last as long as the process. */
import type { SecretBackend, SecretRow } from "./vault.ts";

export class MemorySecrets implements SecretBackend {
  private readonly rows = new Map<string, SecretRow>();

  async get(tenant: string, name: string): Promise<SecretRow | undefined> {
    return this.rows.get(`${tenant}\0${name}`);
  }

  async put(row: SecretRow): Promise<void> {
    this.rows.set(`${row.tenant}\0${row.name}`, row);
  }

  async delete(tenant: string, name: string): Promise<boolean> {
    return this.rows.delete(`${tenant}\0${name}`);
  }

  async list(tenant?: string): Promise<SecretRow[]> {
    return [...this.rows.values()]
      .filter((row) => tenant === undefined || row.tenant === tenant)
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}
