/**
 * The ids /servers/{name}/mcp hands out name their station session by a
 * prefix (src/http/session-scoped-id.ts): what a cluster node routes on. An
 * id the station did not make names no session, and two ids for one session
 * differ in their random rest.
 */
import { expect, test } from "bun:test";
import { sessionOfScopedId, sessionScopedId } from "../../src/http/session-scoped-id.ts";

test("an id names the session it was made for, and nothing else does", () => {
  const session = crypto.randomUUID();
  const one = sessionScopedId(session);
  const two = sessionScopedId(session);
  expect(one).not.toBe(two);
  expect(one).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{24}$/);
  expect(sessionOfScopedId(one)).toBe(session);
  expect(sessionOfScopedId(two)).toBe(session);
  // A 2026-07-28 server's own requestState (here a JWT) passes through the station: not one of its ids.
  const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdGF0ZSI6MX0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  for (const made of [null, undefined, "", "no-dot", `.${"r".repeat(24)}`, "prefix.", "prefix.short", crypto.randomUUID(), jwt])
    expect(sessionOfScopedId(made)).toBeUndefined();
});
