/**
 * Tenants' secrets, encrypted at rest with AES-256-GCM through Web Crypto
 * (no hand-made cryptography): a fresh 96-bit IV per write, and the tenant
 * and the secret's name as additional authenticated data, so a ciphertext
 * copied to another tenant's row, or another name, does not open. Write-only
 * to the API: a value goes in (put) and never comes out, except to a server
 * the tenant starts (reveal, through launch-secrets.ts).
 *
 * Rotation: the station is given the new key as MCP_STATION_SECRETS_KEY and
 * the old ones as MCP_STATION_SECRETS_OLD_KEYS; at start every row still
 * under an old key is decrypted with it and encrypted again under the new
 * one. Each row names its key's id, so a station knows which key opens it.
 *
 * @example
 *   const vault = new SecretVault({ key, oldKeys: [], backend, log });
 *   await vault.put("acme", "github", "ghp_…");
 *   await vault.reveal("acme", "github");   // "ghp_…" (for a launch, never for an API answer)
 */
import type { Logger } from "../log.ts";
import { ConfigError } from "../config/config-error.ts";
import { SecretMissing } from "../errors.ts";
import { type SecretsKey, importSecretsKey, isSecretsKey } from "./key.ts";

export interface SecretRow {
  tenant: string;
  name: string;
  ciphertext: string;
  key_id: string;
  updated_at: string;
}

/** Where the rows live: the store (src/store/secret-rows.ts), or memory for a station without one. */
export interface SecretBackend {
  get(tenant: string, name: string): Promise<SecretRow | undefined>;
  put(row: SecretRow): Promise<void>;
  delete(tenant: string, name: string): Promise<boolean>;
  /** Every row, or one tenant's. */
  list(tenant?: string): Promise<SecretRow[]>;
}

export interface VaultOptions {
  key: string;
  oldKeys: string[];
  backend: SecretBackend;
  log: Logger;
}

/** What the API shows of a secret: never its value. */
export interface SecretInfo {
  tenant: string;
  name: string;
  updated_at: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IV_BYTES = 12;

export class SecretVault {
  private readonly keys: Promise<{ current: SecretsKey; byId: Map<string, SecretsKey> }>;
  /** Resolves once rows under old keys are encrypted again under the current one. */
  readonly rotated: Promise<{ reencrypted: number; unreadable: number }>;

  constructor(private readonly options: VaultOptions) {
    if (!options.oldKeys.every(isSecretsKey)) throw new ConfigError("MCP_STATION_SECRETS_OLD_KEYS: each key must be 32 bytes in base64");
    this.keys = (async () => {
      const current = await importSecretsKey(options.key);
      const byId = new Map<string, SecretsKey>([[current.id, current]]);
      for (const old of options.oldKeys) {
        const key = await importSecretsKey(old);
        byId.set(key.id, key);
      }
      return { current, byId };
    })();
    this.rotated = this.rotate();
    this.rotated.catch(() => {});
  }

  async put(tenant: string, name: string, value: string): Promise<SecretInfo> {
    const { current } = await this.keys;
    // After the rotation, which would otherwise write a row's old value over this new one.
    await this.rotated.catch(() => {});
    const row: SecretRow = {
      tenant,
      name,
      ciphertext: await seal(current, tenant, name, value),
      key_id: current.id,
      updated_at: new Date().toISOString(),
    };
    await this.options.backend.put(row);
    return { tenant, name, updated_at: row.updated_at };
  }

  /** The clear value, for a launch of `tenant`'s; undefined when it has no secret by that name. */
  async reveal(tenant: string, name: string): Promise<string | undefined> {
    const row = await this.options.backend.get(tenant, name);
    if (!row) return undefined;
    const { byId } = await this.keys;
    const key = byId.get(row.key_id);
    if (!key) {
      throw new SecretMissing(
        `secret "${name}" of tenant ${tenant} is encrypted under a key the station does not hold (MCP_STATION_SECRETS_OLD_KEYS)`,
        {
          secret: name,
          tenant,
          key_id: row.key_id,
        },
      );
    }
    return open(key, row);
  }

  async list(tenant?: string): Promise<SecretInfo[]> {
    return (await this.options.backend.list(tenant)).map(({ tenant, name, updated_at }) => ({ tenant, name, updated_at }));
  }

  delete(tenant: string, name: string): Promise<boolean> {
    return this.options.backend.delete(tenant, name);
  }

  /** Encrypts again, under the current key, every row still under an old one. */
  private async rotate(): Promise<{ reencrypted: number; unreadable: number }> {
    const { current, byId } = await this.keys;
    let reencrypted = 0;
    let unreadable = 0;
    for (const row of await this.options.backend.list()) {
      if (row.key_id === current.id) continue;
      const old = byId.get(row.key_id);
      if (!old) {
        unreadable += 1;
        this.options.log.error(
          "secrets: a secret is encrypted under a key the station does not hold (add it to MCP_STATION_SECRETS_OLD_KEYS)",
          {
            tenant: row.tenant,
            secret: row.name,
            key_id: row.key_id,
          },
        );
        continue;
      }
      const value = await open(old, row);
      await this.options.backend.put({ ...row, ciphertext: await seal(current, row.tenant, row.name, value), key_id: current.id });
      reencrypted += 1;
    }
    if (reencrypted > 0) this.options.log.info("secrets: encrypted again under the current key", { reencrypted, key_id: current.id });
    return { reencrypted, unreadable };
  }
}

function additionalData(tenant: string, name: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${tenant}\0${name}`);
}

async function seal(key: SecretsKey, tenant: string, name: string, value: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(tenant, name) },
    key.key,
    encoder.encode(value),
  );
  return `${Buffer.from(iv).toString("base64")}.${Buffer.from(sealed).toString("base64")}`;
}

async function open(key: SecretsKey, row: SecretRow): Promise<string> {
  const [iv, sealed] = row.ciphertext.split(".");
  const clear = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: new Uint8Array(Buffer.from(iv ?? "", "base64")), additionalData: additionalData(row.tenant, row.name) },
    key.key,
    new Uint8Array(Buffer.from(sealed ?? "", "base64")),
  );
  return decoder.decode(clear);
}
