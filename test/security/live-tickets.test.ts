/**
 * WebSocket tickets (src/security/live-tickets.ts) on a fake clock: one
 * socket, one session, once, within 30 s; signed, so a station with the same
 * key (a cluster's other node) checks them too. The browser side is in
 * test/ui, the cluster side in test/cluster/tickets.test.ts.
 */
import { describe, expect, test } from "bun:test";
import type { Caller } from "../../src/security/caller.ts";
import { LiveTickets, offersLiveSubprotocol, TICKET_TTL_MS, ticketKey } from "../../src/security/live-tickets.ts";

const CALLER: Caller = { tenant: "a", admin: false, via: "jwt", scopes: ["mcp"], claims: { groups: ["x"] } };
const PATH = "/sessions/s1/ws";
const upgrade = (protocols: string, extra: Record<string, string> = {}) =>
  new Headers({ upgrade: "websocket", "sec-websocket-protocol": protocols, ...extra });

describe("LiveTickets", () => {
  test("a ticket offered as a subprotocol admits its caller, whole, on its session's socket; it is spent once", () => {
    const tickets = new LiveTickets();
    const { ticket, subprotocol, expires_in_s } = tickets.issue(CALLER, "s1");
    expect(expires_in_s).toBe(30);
    // Only token characters: a valid subprotocol name (RFC 6455 §4.1).
    expect(ticket).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const headers = upgrade(`mcp-station, ${subprotocol}`);
    expect(tickets.verify(headers, PATH)).toEqual(CALLER);
    expect(tickets.spend(headers)).toBe(true);
    expect(tickets.spend(headers)).toBe(false);
    // Still signed and unexpired: checking it spends nothing; the socket's route refuses it (spend).
    expect(tickets.verify(headers, PATH)).toEqual(CALLER);
  });

  test("another station with the same key checks it and refuses its reuse; one with another key does not", () => {
    const key = ticketKey("a-cluster-secret-0123456789");
    const issuer = new LiveTickets(Date.now, key);
    const other = new LiveTickets(Date.now, ticketKey("a-cluster-secret-0123456789"));
    const stranger = new LiveTickets(Date.now, ticketKey("another-secret-0123456789"));
    const headers = upgrade(issuer.issue(CALLER, "s1").subprotocol);
    expect(other.verify(headers, PATH)).toEqual(CALLER);
    expect(stranger.verify(headers, PATH)).toBeUndefined();
    expect(stranger.spend(headers)).toBe(false);
    expect(other.spend(headers)).toBe(true);
    expect(other.spend(headers)).toBe(false);
    // A station alone draws a key of its own.
    expect(new LiveTickets().verify(headers, PATH)).toBeUndefined();
  });

  test("an expired ticket is refused; one a moment before expiry is not; a spent nonce is forgotten once expired", () => {
    let now = 1_000_000;
    const tickets = new LiveTickets(() => now);
    const late = upgrade(tickets.issue(CALLER, "s1").subprotocol);
    const onTime = upgrade(tickets.issue(CALLER, "s1").subprotocol);
    now += TICKET_TTL_MS - 1;
    expect(tickets.verify(onTime, PATH)).toEqual(CALLER);
    expect(tickets.spend(onTime)).toBe(true);
    now += 1;
    expect(tickets.verify(late, PATH)).toBeUndefined();
    expect(tickets.spend(late)).toBe(false);
    expect(tickets.verify(onTime, PATH)).toBeUndefined();
  });

  test("a ticket for another session's socket is refused there, and still opens its own", () => {
    const tickets = new LiveTickets();
    const headers = upgrade(tickets.issue(CALLER, "s2").subprotocol);
    expect(tickets.verify(headers, PATH)).toBeUndefined();
    expect(tickets.verify(headers, "/sessions/s2/ws")).toEqual(CALLER);
  });

  test("a forged or altered ticket is refused", () => {
    const tickets = new LiveTickets();
    const { ticket } = tickets.issue(CALLER, "s1");
    const [body, signature] = ticket.split(".") as [string, string];
    const admin = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, "base64url").toString()), c: { ...CALLER, admin: true } }));
    for (const forged of [`${admin.toString("base64url")}.${signature}`, `${body}.${"A".repeat(43)}`, body, `${body}.`, "made-up"]) {
      const headers = upgrade(`mcp-station.ticket.${forged}`);
      expect(tickets.verify(headers, PATH)).toBeUndefined();
      expect(tickets.spend(headers)).toBe(false);
    }
  });

  test("a ticket is no credential outside a WebSocket upgrade, nor in another header", () => {
    const tickets = new LiveTickets();
    const { ticket, subprotocol } = tickets.issue(CALLER, "s1");
    expect(tickets.verify(new Headers({ "sec-websocket-protocol": subprotocol }), PATH)).toBeUndefined();
    expect(tickets.verify(new Headers({ upgrade: "websocket", authorization: `Bearer ${ticket}` }), PATH)).toBeUndefined();
    expect(tickets.verify(upgrade(subprotocol), PATH)).toEqual(CALLER);
    // An upgrade that offers no ticket (a key in a header) has nothing to spend.
    expect(tickets.spend(upgrade("mcp-station"))).toBe(true);
  });

  test("the console's subprotocol is recognised among others", () => {
    expect(offersLiveSubprotocol(upgrade("chat, mcp-station"))).toBe(true);
    expect(offersLiveSubprotocol(upgrade("mcp-station.ticket.x"))).toBe(false);
    expect(offersLiveSubprotocol(new Headers())).toBe(false);
  });
});
