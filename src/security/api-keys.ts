/**
 * API keys: parsed once from the environment or a file, compared in constant
 * time. An entry is `key` or `tenant:key`; a key without a tenant acts for the
 * tenant "default". Admin keys (a separate setting) see every tenant.
 *
 * @example
 *   const keys = new ApiKeys([{ key: "s3cret-a", tenant: "team-a", admin: false }]);
 *   keys.match("s3cret-a")  // { tenant: "team-a", admin: false }
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";

export interface ApiKey {
  key: string;
  tenant: string;
  admin: boolean;
}

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;
/** Short keys can be guessed; the station refuses to start with one. */
export const MIN_KEY_LENGTH = 16;

export function parseKeyEntry(entry: string, admin: boolean, source: string): ApiKey {
  const text = entry.trim();
  const colon = text.indexOf(":");
  const tenant = colon > 0 && TENANT.test(text.slice(0, colon)) ? text.slice(0, colon) : "default";
  const key = colon > 0 && tenant !== "default" ? text.slice(colon + 1) : text;
  if (key.length < MIN_KEY_LENGTH) {
    throw new ConfigError(`${source}: every key must be at least ${MIN_KEY_LENGTH} characters (one is ${key.length})`);
  }
  return { key, tenant: admin && tenant === "default" ? "admin" : tenant, admin };
}

/** Entries of a comma-separated setting (already split) and, optionally, a file with one entry a line (# comments). */
export function readKeys(entries: string[], file: string | undefined, admin: boolean, names: [string, string]): ApiKey[] {
  const keys = entries.map((entry) => parseKeyEntry(entry, admin, names[0]));
  if (file) {
    let content: string;
    try {
      content = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`${names[1]}: cannot read ${file}: ${(error as Error).message}`, { cause: error });
    }
    for (const line of content.split("\n")) {
      const entry = line.replace(/#.*$/, "").trim();
      if (entry) keys.push(parseKeyEntry(entry, admin, names[1]));
    }
  }
  return keys;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

export class ApiKeys {
  private readonly digests: { digest: Buffer; key: ApiKey }[];

  constructor(keys: ApiKey[]) {
    // Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
    this.digests = keys.map((key) => ({ digest: digest(key.key), key }));
  }

  get size(): number {
    return this.digests.length;
  }

  /** The key's owner, or undefined. Every key is compared, so timing does not tell which one nearly matched. */
  match(presented: string): { tenant: string; admin: boolean } | undefined {
    const candidate = digest(presented);
    let found: ApiKey | undefined;
    for (const entry of this.digests) {
      if (timingSafeEqual(entry.digest, candidate) && !found) found = entry.key;
    }
    return found && { tenant: found.tenant, admin: found.admin };
  }
}
