/**
 * Ids the station hands out for one station session: a legacy client's
 * Mcp-Session-Id and a parked call's requestState (src/modules/streamable-http).
 * Each begins with the id of the station session it belongs to, so that any
 * node of a cluster can tell which node holds it (src/plugins/cluster-routing.ts)
 * from the id alone: on /servers/{name}/mcp nothing else names the session.
 *
 * The prefix routes; it never admits. What makes the id is its random rest:
 * the node that holds it looks the whole id up and checks the caller as it
 * always did, so a prefix copied or guessed reaches the session's node and is
 * answered there like any unknown id.
 *
 * @example
 *   const id = sessionScopedId(session.id);  // "6f1c…-….Qx3v…" (the station session id, a dot, 24 random characters)
 *   sessionOfScopedId(id);                   // session.id
 *   sessionOfScopedId("made-up");            // undefined
 */
import { randomBytes } from "node:crypto";

/** Station session ids are UUIDs and the random rest is base64url: neither holds a dot. */
const SEPARATOR = ".";
/** 18 random bytes in base64url: 24 characters, 144 bits. */
const REST = /^[A-Za-z0-9_-]{24}$/;

/** A new id for something of `sessionId`'s: 144 random bits after the session's id. */
export function sessionScopedId(sessionId: string): string {
  return `${sessionId}${SEPARATOR}${randomBytes(18).toString("base64url")}`;
}

/**
 * The station session an id names by its prefix, unchecked; undefined for an id not shaped like
 * sessionScopedId's. The shape spares a directory read for ids that cannot be the station's: a 2026-07-28
 * server's own requestState, which passes through the station untouched, may well hold dots (a JWT).
 */
export function sessionOfScopedId(id: string | null | undefined): string | undefined {
  if (!id) return undefined;
  const end = id.lastIndexOf(SEPARATOR);
  return end > 0 && REST.test(id.slice(end + 1)) ? id.slice(0, end) : undefined;
}
