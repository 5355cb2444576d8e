/**
 * The WebSocket channel, /sessions/{id}/ws: full-duplex JSON-RPC for one
 * caller (see ws-channel.ts). The session is looked up with the caller's
 * identity before the upgrade, as every REST route does, so another tenant's
 * session is not found; the auth gate has already checked Origin and the
 * credential, or the single-use ticket a browser got from POST /live/tickets
 * (also served here). The station pings idle sockets so proxies keep them open.
 * (The SSE form of /sessions/{id}/events lives in src/http/event-stream.ts, served by
 * the sessions module on its own path.)
 *
 * @example
 *   websocat ws://localhost:20100/sessions/$ID/ws
 *   > {"jsonrpc":"2.0","id":1,"method":"tools/list"}
 */
import { Elysia, t } from "elysia";
import { Unauthorized } from "../../errors.ts";
import { type Logger, silentLogger } from "../../log.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { Caller } from "../../security/caller.ts";
import { LIVE_SUBPROTOCOL, type LiveTickets, offersLiveSubprotocol } from "../../security/live-tickets.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import type { Session } from "../../sessions/session.ts";
import { ErrorBody, SessionIdParams } from "../../http/shared-models.ts";
import { contextFromHeaders } from "../../tracing/trace-meta.ts";
import { WsChannel } from "./ws-channel.ts";

export interface LiveSettings {
  /** Interval of WebSocket pings; 0 turns them off. */
  wsPingMs: number;
  /** Where unknown failures, masked to callers as -32603, are logged in full; none when unset. */
  log?: Logger;
  /** WebSocket tickets for browsers, which cannot send a credential header (src/security/live-tickets.ts). */
  tickets?: LiveTickets;
}

const TicketRequest = t.Object({ session_id: t.String({ description: "The session whose WebSocket the ticket opens" }) });
const Ticket = t.Object({
  ticket: t.String(),
  expires_in_s: t.Integer({ description: "The ticket opens one WebSocket within this many seconds, once" }),
  subprotocol: t.String({ description: 'Offer it with "mcp-station": new WebSocket(url, ["mcp-station", subprotocol])' }),
});

interface SocketState {
  channel: WsChannel;
  ping?: ReturnType<typeof setInterval>;
}

export const liveModule = (manager: SessionManager, settings: LiveSettings) => {
  const sockets = new WeakMap<object, SocketState>();
  const log = settings.log ?? silentLogger;
  // Elysia wraps the raw socket anew for every callback: key the state on the raw one.
  const rawOf = (ws: { raw: object }) => ws.raw;
  const app = new Elysia({ name: "live", tags: ["sessions"] });
  // Elysia 1.4 runs a WebSocket route's beforeHandle twice for one upgrade (its handler, then its Bun
  // adapter's upgrade): the ticket is spent once per request, and the second run reads that outcome.
  const spent = new WeakMap<Request, boolean>();
  const ticketSpent = (request: Request): boolean => {
    if (!settings.tickets) return true;
    let ok = spent.get(request);
    if (ok === undefined) {
      ok = settings.tickets.spend(request.headers);
      spent.set(request, ok);
    }
    return ok;
  };
  if (settings.tickets) {
    const tickets = settings.tickets;
    app.post(
      "/live/tickets",
      ({ body, request }) => {
        const caller = callerOf(request);
        manager.get(body.session_id, caller);
        return tickets.issue(caller, body.session_id);
      },
      {
        body: TicketRequest,
        response: { 200: Ticket, 401: ErrorBody, 404: ErrorBody },
        detail: {
          summary: "A WebSocket ticket, for browsers",
          description:
            "A browser cannot send a credential header with a WebSocket: offer this ticket as a subprotocol instead. It opens one WebSocket of the session, once, within 30 s, for the caller who asked for it.",
        },
      },
    );
  }
  return app.ws("/sessions/:session_id/ws", {
    params: SessionIdParams,
    // Before the upgrade: an unknown (or another tenant's) session is a 404, not an open socket.
    beforeHandle({ params, request, set }) {
      manager.get(params.session_id, callerOf(request));
      // Here the socket opens (a relayed upgrade ends here too): the ticket's one use is taken now.
      if (!ticketSpent(request))
        throw new Unauthorized("the WebSocket ticket was used already, or has expired: ask POST /live/tickets for another");
      // A browser that offered subprotocols fails a socket on which the server selected none.
      if (offersLiveSubprotocol(request.headers)) set.headers["sec-websocket-protocol"] = LIVE_SUBPROTOCOL;
    },
    open(ws) {
      let session: Session;
      let caller: Caller;
      try {
        caller = callerOf(ws.data.request);
        session = manager.get(ws.data.params.session_id, caller);
      } catch {
        ws.close(1008, "session not found");
        return;
      }
      const raw = rawOf(ws);
      const channel = new WsChannel(
        session,
        caller,
        (message) => {
          ws.send(JSON.stringify(message));
        },
        (code, reason) => ws.close(code, reason),
        log,
        contextFromHeaders(ws.data.request.headers),
      );
      const state: SocketState = { channel };
      if (settings.wsPingMs > 0) state.ping = setInterval(() => ws.raw.ping(), settings.wsPingMs);
      sockets.set(raw, state);
      channel.start();
    },
    message(ws, message) {
      sockets.get(rawOf(ws))?.channel.receive(message);
    },
    close(ws) {
      const state = sockets.get(rawOf(ws));
      if (!state) return;
      if (state.ping) clearInterval(state.ping);
      state.channel.end();
      sockets.delete(rawOf(ws));
    },
    detail: { summary: "A session's WebSocket channel", description: "Full-duplex JSON-RPC with the session's server." },
  });
};
