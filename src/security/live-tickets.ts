/**
 * WebSocket tickets. A browser's `new WebSocket(url, protocols)` can send no
 * Authorization header, so a page gets a ticket from an authenticated call
 * (POST /live/tickets) and offers it as a subprotocol of the upgrade:
 * `["mcp-station", "mcp-station.ticket.<ticket>"]`. A subprotocol, not a query
 * parameter, so the credential never sits in a URL (proxy logs, history).
 *
 * A ticket stands for the caller who asked for it, opens one socket on one
 * session, once, within TICKET_TTL_MS; it is a random 256-bit value kept only
 * in this process's memory.
 *
 * @example
 *   const t = tickets.issue(caller, sessionId);          // { ticket, expires_in_s: 30 }
 *   tickets.redeem(upgrade.headers, `/sessions/${sessionId}/ws`); // the caller, or undefined
 */
import type { Caller } from "./caller.ts";

/** The subprotocol a browser offers, and the station selects, on every console WebSocket. */
export const LIVE_SUBPROTOCOL = "mcp-station";
/** Prefix of the subprotocol that carries a ticket. */
export const TICKET_SUBPROTOCOL_PREFIX = "mcp-station.ticket.";
export const TICKET_TTL_MS = 30_000;
/** Tickets outstanding at once; past it the oldest are forgotten (each is good for 30 s anyway). */
const MAX_OUTSTANDING = 10_000;

interface Issued {
  caller: Caller;
  path: string;
  expiresAt: number;
}

export class LiveTickets {
  private readonly issued = new Map<string, Issued>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A ticket for `caller` to open the WebSocket of session `sessionId`. */
  issue(caller: Caller, sessionId: string): { ticket: string; expires_in_s: number; subprotocol: string } {
    this.prune();
    if (this.issued.size >= MAX_OUTSTANDING) {
      const oldest = this.issued.keys().next().value;
      if (oldest !== undefined) this.issued.delete(oldest);
    }
    const ticket = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    this.issued.set(ticket, { caller, path: `/sessions/${sessionId}/ws`, expiresAt: this.now() + TICKET_TTL_MS });
    return { ticket, expires_in_s: TICKET_TTL_MS / 1000, subprotocol: TICKET_SUBPROTOCOL_PREFIX + ticket };
  }

  /**
   * The caller of the ticket offered in a WebSocket upgrade's subprotocols, for
   * that upgrade's path. The ticket is spent by any attempt, so a refused one
   * cannot be tried again elsewhere.
   */
  redeem(headers: Headers, path: string): Caller | undefined {
    if (headers.get("upgrade")?.toLowerCase() !== "websocket") return undefined;
    const ticket = ticketOf(headers);
    if (ticket === undefined) return undefined;
    const issued = this.issued.get(ticket);
    if (!issued) return undefined;
    this.issued.delete(ticket);
    if (issued.expiresAt <= this.now() || issued.path !== path) return undefined;
    return issued.caller;
  }

  private prune(): void {
    const now = this.now();
    for (const [ticket, issued] of this.issued) if (issued.expiresAt <= now) this.issued.delete(ticket);
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
