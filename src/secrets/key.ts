/**
 * The key that encrypts tenants' secrets: 32 random bytes (AES-256), given
 * in base64 by MCP_STATION_SECRETS_KEY. Its id, the first 8 bytes of its
 * SHA-256 in hex, is kept beside each ciphertext, so a station holding
 * several keys (during a rotation) knows which one opens a row.
 *
 * @example
 *   openssl rand -base64 32   # a key
 */
import { createHash } from "node:crypto";

export const KEY_BYTES = 32;

function decode(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) return undefined;
  const bytes = Buffer.from(trimmed, "base64");
  return bytes.length === KEY_BYTES ? bytes : undefined;
}

export function isSecretsKey(value: string): boolean {
  return decode(value) !== undefined;
}

export interface SecretsKey {
  id: string;
  key: CryptoKey;
}

export async function importSecretsKey(value: string): Promise<SecretsKey> {
  const bytes = decode(value);
  if (!bytes) throw new Error("a secrets key must be 32 bytes in base64");
  const id = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  const key = await crypto.subtle.importKey("raw", new Uint8Array(bytes), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
  return { id, key };
}
