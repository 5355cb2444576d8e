/** The small pure pieces: key entries and their lookup, the token bucket, credential extraction, JSON depth. */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { ApiKeys, parseKeyEntry } from "../../src/security/api-keys.ts";
import { credentialOf } from "../../src/security/authenticate.ts";
import { exceedsDepth } from "../../src/security/json-depth.ts";
import { TokenBuckets } from "../../src/security/token-bucket.ts";

describe("API keys", () => {
  test("an entry is key or tenant:key; admin keys without a tenant act as 'admin'", () => {
    expect(parseKeyEntry("team-a:0123456789abcdef", false, "X")).toEqual({ key: "0123456789abcdef", tenant: "team-a", admin: false });
    expect(parseKeyEntry("0123456789abcdef", false, "X")).toEqual({ key: "0123456789abcdef", tenant: "default", admin: false });
    expect(parseKeyEntry("0123456789abcdef", true, "X")).toEqual({ key: "0123456789abcdef", tenant: "admin", admin: true });
    expect(() => parseKeyEntry("short", false, "MCP_STATION_API_KEYS")).toThrow("at least 16");
  });

  test("lookup finds the owner of a key and nothing for a near miss", () => {
    const keys = new ApiKeys([
      { key: "aaaaaaaaaaaaaaaa", tenant: "a", admin: false },
      { key: "bbbbbbbbbbbbbbbb", tenant: "b", admin: true },
    ]);
    expect(keys.match("aaaaaaaaaaaaaaaa")).toEqual({ tenant: "a", admin: false });
    expect(keys.match("bbbbbbbbbbbbbbbb")).toEqual({ tenant: "b", admin: true });
    expect(keys.match("aaaaaaaaaaaaaaab")).toBeUndefined();
    expect(keys.match("")).toBeUndefined();
  });

  test("keys come from the environment and a file (comments and blank lines skipped)", () => {
    const dir = mkdtempSync(join(tmpdir(), "mcp-station-keys-"));
    try {
      writeFileSync(join(dir, "keys"), "# team keys\nteam-c:cccccccccccccccc\n\n dddddddddddddddd  # no tenant\n");
      const config = loadConfig({ MCP_STATION_API_KEYS: "a:aaaaaaaaaaaaaaaa", MCP_STATION_API_KEYS_FILE: join(dir, "keys") });
      expect(config.apiKeys.map((k) => k.tenant)).toEqual(["a", "team-c", "default"]);
      expect(() => loadConfig({ MCP_STATION_API_KEYS_FILE: join(dir, "missing") })).toThrow(ConfigError);
      expect(() => loadConfig({ MCP_STATION_JWT_SECRET: "too-short" })).toThrow("32 characters");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("credentials come from Authorization: Bearer or X-API-Key, nothing else", () => {
  expect(credentialOf(new Headers({ authorization: "Bearer abc" }))).toBe("abc");
  expect(credentialOf(new Headers({ authorization: "bearer   abc  " }))).toBe("abc");
  expect(credentialOf(new Headers({ "x-api-key": "abc" }))).toBe("abc");
  expect(credentialOf(new Headers({ authorization: "Basic YTpi" }))).toBeUndefined();
  expect(credentialOf(new Headers({ authorization: "Bearer a b" }))).toBeUndefined();
  expect(credentialOf(new Headers())).toBeUndefined();
});

describe("TokenBuckets", () => {
  test("a burst, then one token per refill interval, per key; Retry-After says when", () => {
    let now = 0;
    const buckets = new TokenBuckets(60, 3, () => now); // one a second, three at once
    expect([1, 2, 3].map(() => buckets.take("a").ok)).toEqual([true, true, true]);
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterS: 1 });
    expect(buckets.take("b").ok).toBe(true);
    now += 1000;
    expect(buckets.take("a").ok).toBe(true);
    expect(buckets.take("a").ok).toBe(false);
    now += 60_000;
    buckets.prune();
    expect([1, 2, 3, 4].map(() => buckets.take("a").ok)).toEqual([true, true, true, false]);
  });
  test("a slow rate asks for a longer wait", () => {
    const buckets = new TokenBuckets(1, 1, () => 0); // one a minute
    buckets.take("a");
    expect(buckets.take("a")).toEqual({ ok: false, retryAfterS: 60 });
  });
});

test("exceedsDepth counts objects and arrays, and walks 100,000 levels without recursion", () => {
  expect(exceedsDepth({ a: [1] }, 2)).toBe(false);
  expect(exceedsDepth({ a: [[1]] }, 2)).toBe(true);
  expect(exceedsDepth("scalar", 0)).toBe(false);
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  expect(exceedsDepth(deep, 64)).toBe(true);
});
