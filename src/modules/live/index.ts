/**
 * The WebSocket channel, /sessions/{id}/ws: full-duplex JSON-RPC for one
 * caller (see ws-channel.ts). The session is looked up with the caller's
 * identity before the upgrade, as every REST route does, so another tenant's
 * session is not found; the auth gate has already checked Origin and the
 * credential. The station pings idle sockets so proxies keep them open.
 * (The SSE form of /sessions/{id}/events lives in src/http/event-stream.ts, served by
 * the sessions module on its own path.)
 *
 * @example
 *   websocat ws://localhost:20100/sessions/$ID/ws
 *   > {"jsonrpc":"2.0","id":1,"method":"tools/list"}
 */
import { Elysia } from "elysia";
import { type Logger, silentLogger } from "../../log.ts";
import { callerOf } from "../../plugins/auth.ts";
import type { Caller } from "../../security/caller.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import type { Session } from "../../sessions/session.ts";
import { SessionIdParams } from "../../http/shared-models.ts";
import { contextFromHeaders } from "../../tracing/trace-meta.ts";
import { WsChannel } from "./ws-channel.ts";

export interface LiveSettings {
  /** Interval of WebSocket pings; 0 turns them off. */
  wsPingMs: number;
  /** Where unknown failures, masked to callers as -32603, are logged in full; none when unset. */
  log?: Logger;
}

interface SocketState {
  channel: WsChannel;
  ping?: ReturnType<typeof setInterval>;
}

export const liveModule = (manager: SessionManager, settings: LiveSettings) => {
  const sockets = new WeakMap<object, SocketState>();
  const log = settings.log ?? silentLogger;
  // Elysia wraps the raw socket anew for every callback: key the state on the raw one.
  const rawOf = (ws: { raw: object }) => ws.raw;
  return new Elysia({ name: "live", tags: ["sessions"] }).ws("/sessions/:session_id/ws", {
    params: SessionIdParams,
    // Before the upgrade: an unknown (or another tenant's) session is a 404, not an open socket.
    beforeHandle({ params, request }) {
      manager.get(params.session_id, callerOf(request));
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
