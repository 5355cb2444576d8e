/**
 * The store's tables for pinned tools and tenants' secrets, on SQLite and on
 * the real PostgreSQL: upserts, one row per key, and what the vault reads
 * back through them (a value in the store only as ciphertext).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "../../src/log.ts";
import { SecretVault } from "../../src/secrets/vault.ts";
import { type SqlDatabase, openDatabase } from "../../src/store/database.ts";
import { PinRows } from "../../src/store/pin-rows.ts";
import { SecretRows } from "../../src/store/secret-rows.ts";
import { SessionStore } from "../../src/store/session-store.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-rows-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const kinds: [string, () => Promise<SqlDatabase>][] = [
  ["sqlite", () => openDatabase({ dataDir: mkdtempSync(join(dir, "db-")) })],
  ["postgres", () => openDatabase({ url: "postgres://postgres@127.0.0.1:5432/test", dataDir: dir })],
];

for (const [name, open] of kinds) {
  describe(`pins and secrets on ${name}`, () => {
    test("pins and secrets are upserted by key, and a secret is stored only encrypted", async () => {
      const db = await open();
      const prefix = `mcp_station_rows_${Math.random().toString(36).slice(2, 8)}_`;
      const store = await SessionStore.open(db, { instance: "rows", tablePrefix: prefix });
      const pins = new PinRows(db, store.tablePrefix);
      await pins.save({ server: "s", tool: "t", fingerprint: "sha256:a", definition: null, approved_at: "x" });
      await pins.save({ server: "s", tool: "t", fingerprint: "sha256:b", definition: "{}", approved_at: "y" });
      expect(await pins.load()).toEqual([{ server: "s", tool: "t", fingerprint: "sha256:b", definition: "{}", approved_at: "y" }]);

      const vault = new SecretVault({
        key: Buffer.alloc(32, 7).toString("base64"),
        oldKeys: [],
        backend: new SecretRows(db, store.tablePrefix),
        log: silentLogger,
      });
      await vault.put("acme", "tok", "first");
      await vault.put("acme", "tok", "second value");
      expect(await vault.reveal("acme", "tok")).toBe("second value");
      expect(await vault.reveal("other", "tok")).toBeUndefined();
      expect((await vault.list("acme")).map((s) => s.name)).toEqual(["tok"]);
      const raw = await db.all(`select * from ${prefix}secrets`);
      expect(raw).toHaveLength(1);
      expect(JSON.stringify(raw)).not.toContain("second value");
      // A ciphertext moved to another tenant's row does not open: the tenant and name are authenticated.
      await db.run(`update ${prefix}secrets set tenant = 'other'`);
      await expect(vault.reveal("other", "tok")).rejects.toThrow();
      expect(await vault.delete("other", "tok")).toBe(true);
      expect(await vault.list()).toEqual([]);
      await store.dropTables();
      await db.close();
    });
  });
}
