/**
 * WebSocket tickets. A browser's `new WebSocket(url, protocols)` can send no
 * Authorization header, so a page gets a ticket from an authenticated call
 * (POST /live/tickets) and offers it as a subprotocol of the upgrade:
 * `["mcp-station", "mcp-station.ticket.<ticket>"]`. A subprotocol, not a query
 * parameter, so the credential never sits in a URL (proxy logs, history).
 *
 * A ticket stands for the caller who asked for it, opens one socket on one
 * session, once, within TICKET_TTL_MS. It carries what it stands for (the
 * session, the caller, its expiry and a random nonce) signed with HMAC-SHA256,
 * so any node of a cluster can check it (the key is derived from
 * MCP_STATION_CLUSTER_SECRET; a single station draws a random key at start).
 * Checking (verify, in the auth gate) spends nothing: the node where the
 * socket actually opens spends the nonce (spend, in the WebSocket route),
 * remembering it until the ticket expires, so behind a balancer or through
 * the cluster's relay a ticket still opens one socket only.
 *
 * @example
 *   const t = tickets.issue(caller, sessionId);              // { ticket, expires_in_s: 30, subprotocol }
 *   tickets.verify(upgrade.headers, `/sessions/${sessionId}/ws`); // the caller, or undefined
 *   tickets.spend(upgrade.headers);                           // false when its socket was opened already
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Caller } from "./caller.ts";

/** The subprotocol a browser offers, and the station selects, on every console WebSocket. */
export const LIVE_SUBPROTOCOL = "mcp-station";
/** Prefix of the subprotocol that carries a ticket. */
export const TICKET_SUBPROTOCOL_PREFIX = "mcp-station.ticket.";
export const TICKET_TTL_MS = 30_000;
/** Nonces of tickets spent and not yet expired, kept at once; past it a spend is refused (fail closed) until some expire. */
const MAX_SPENT = 100_000;
/** Keeps the tickets' key apart from the cluster secret's other use (the forwarded requests' header). */
const KEY_LABEL = "mcp-station live tickets v1";

/** What a ticket carries, signed. Short names: it travels in a header. */
interface Claims {
  /** The path it opens: /sessions/{id}/ws. */
  p: string;
  c: Caller;
  /** Expiry, ms since the epoch. */
  e: number;
  n: string;
}

/** The tickets' signing key: from the cluster secret, the same on every node; random for a station alone. */
export function ticketKey(clusterSecret?: string): Buffer {
  if (clusterSecret === undefined) return Buffer.from(crypto.getRandomValues(new Uint8Array(32)));
  return createHmac("sha256", clusterSecret).update(KEY_LABEL).digest();
}

export class LiveTickets {
  /**
   * Spent nonces and when their tickets expire, in the order they were spent: about expiry order, since every
   * ticket lives as long, so pruning stops at the first unexpired one (one spent late only waits a little).
   */
  private readonly spent = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly key: Buffer = ticketKey(),
  ) {}

  /** A ticket for `caller` to open the WebSocket of session `sessionId`. */
  issue(caller: Caller, sessionId: string): { ticket: string; expires_in_s: number; subprotocol: string } {
    const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
    const claims: Claims = { p: `/sessions/${sessionId}/ws`, c: caller, e: this.now() + TICKET_TTL_MS, n: nonce };
    const body = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const ticket = `${body}.${this.sign(body)}`;
    return { ticket, expires_in_s: TICKET_TTL_MS / 1000, subprotocol: TICKET_SUBPROTOCOL_PREFIX + ticket };
  }

  /**
   * The caller of the ticket offered in a WebSocket upgrade's subprotocols, when it is signed with this
   * station's (or cluster's) key, unexpired and for that upgrade's path. Spends nothing: see spend().
   */
  verify(headers: Headers, path: string): Caller | undefined {
    if (headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
    const claims = this.claimsOf(headers);
    return claims && claims.p === path ? claims.c : undefined;
  }

  /**
   * Where the socket opens: the ticket offered, if any, is spent. False when it was spent before (or the
   * record of spent tickets is full); true when none was offered or it is spent now.
   */
  spend(headers: Headers): boolean {
    const offered = ticketOf(headers);
    if (offered === undefined) return true;
    const claims = this.claimsOf(headers);
    if (!claims) return false;
    this.prune();
    if (this.spent.has(claims.n) || this.spent.size >= MAX_SPENT) return false;
    this.spent.set(claims.n, claims.e);
    return true;
  }

  /** The claims of the ticket offered, when its signature holds and it has not expired. */
  private claimsOf(headers: Headers): Claims | undefined {
    const ticket = ticketOf(headers);
    const dot = ticket?.indexOf(".") ?? -1;
    if (ticket === undefined || dot < 0) return undefined;
    const body = ticket.slice(0, dot);
    const given = Buffer.from(ticket.slice(dot + 1), "base64url");
    const expected = Buffer.from(this.sign(body), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, "base64url").toString()) as Claims;
      if (typeof claims.e !== "number" || claims.e <= this.now() || typeof claims.n !== "string") return undefined;
      return claims;
    } catch {
      return undefined;
    }
  }

  private sign(body: string): string {
    return createHmac("sha256", this.key).update(body).digest("base64url");
  }

  private prune(): void {
    const now = this.now();
    for (const [nonce, expiresAt] of this.spent) {
      if (expiresAt > now) break;
      this.spent.delete(nonce);
    }
  }
}

/** The ticket among an upgrade's offered subprotocols, if any. */
function ticketOf(headers: Headers): string | undefined {
  const offered = headers.get("sec-websocket-protocol");
  if (!offered) return undefined;
  for (const protocol of offered.split(",")) {
    const name = protocol.trim();
    if (name.startsWith(TICKET_SUBPROTOCOL_PREFIX)) return name.slice(TICKET_SUBPROTOCOL_PREFIX.length);
  }
  return undefined;
}

/** Whether an upgrade offered the console's subprotocol, which the station must then select (a browser fails the socket otherwise). */
export function offersLiveSubprotocol(headers: Headers): boolean {
  const offered = headers.get("sec-websocket-protocol");
  return offered?.split(",").some((p) => p.trim() === LIVE_SUBPROTOCOL) ?? false;
}
