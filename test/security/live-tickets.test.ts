/**
 * WebSocket tickets (src/security/live-tickets.ts) on a fake clock: one
 * socket, one session, once, within 30 s. The browser side is in test/ui.
 */
import { describe, expect, test } from "bun:test";
import type { Caller } from "../../src/security/caller.ts";
import { LiveTickets, offersLiveSubprotocol, TICKET_TTL_MS } from "../../src/security/live-tickets.ts";

const CALLER: Caller = { tenant: "a", admin: false, via: "api_key" };
const PATH = "/sessions/s1/ws";
const upgrade = (protocols: string, extra: Record<string, string> = {}) =>
  new Headers({ upgrade: "websocket", "sec-websocket-protocol": protocols, ...extra });

describe("LiveTickets", () => {
  test("a ticket offered as a subprotocol admits its caller once, on its session's socket", () => {
    const tickets = new LiveTickets();
    const { ticket, subprotocol, expires_in_s } = tickets.issue(CALLER, "s1");
    expect(expires_in_s).toBe(30);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tickets.redeem(upgrade(`mcp-station, ${subprotocol}`), PATH)).toEqual(CALLER);
    expect(tickets.redeem(upgrade(`mcp-station, ${subprotocol}`), PATH)).toBeUndefined();
  });

  test("an expired ticket is refused; one a moment before expiry is not", () => {
    let now = 1_000_000;
    const tickets = new LiveTickets(() => now);
    const late = tickets.issue(CALLER, "s1");
    const onTime = tickets.issue(CALLER, "s1");
    now += TICKET_TTL_MS - 1;
    expect(tickets.redeem(upgrade(onTime.subprotocol), PATH)).toEqual(CALLER);
    now += 1;
    expect(tickets.redeem(upgrade(late.subprotocol), PATH)).toBeUndefined();
  });

  test("a ticket for another session's socket is refused, and spent by the attempt", () => {
    const tickets = new LiveTickets();
    const { subprotocol } = tickets.issue(CALLER, "s2");
    expect(tickets.redeem(upgrade(subprotocol), PATH)).toBeUndefined();
    expect(tickets.redeem(upgrade(subprotocol), "/sessions/s2/ws")).toBeUndefined();
  });

  test("a ticket is no credential outside a WebSocket upgrade, nor in another header", () => {
    const tickets = new LiveTickets();
    const { ticket, subprotocol } = tickets.issue(CALLER, "s1");
    expect(tickets.redeem(new Headers({ "sec-websocket-protocol": subprotocol }), PATH)).toBeUndefined();
    expect(tickets.redeem(new Headers({ upgrade: "websocket", authorization: `Bearer ${ticket}` }), PATH)).toBeUndefined();
    expect(tickets.redeem(upgrade("mcp-station.ticket.made-up"), PATH)).toBeUndefined();
    expect(tickets.redeem(upgrade(subprotocol), PATH)).toEqual(CALLER);
  });

  test("the console's subprotocol is recognised among others", () => {
    expect(offersLiveSubprotocol(upgrade("chat, mcp-station"))).toBe(true);
    expect(offersLiveSubprotocol(upgrade("mcp-station.ticket.x"))).toBe(false);
    expect(offersLiveSubprotocol(new Headers())).toBe(false);
  });
});
