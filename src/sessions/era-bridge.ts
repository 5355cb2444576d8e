/**
 * What lets a caller speak to a server without knowing its era. The
 * handshake happened once, so initialize and server/discover are answered
 * from what the server said then. A 2026-07-28 server gets the `_meta`
 * envelope on every request, and what that revision removed is bridged:
 * ping becomes server/discover, logging/setLevel a level carried in the
 * envelope, resources/subscribe a listen of the station's own.
 *
 * @example
 *   bridge.send(identity, "ping", undefined, roundTrip);   // a legacy server: ping; a modern one: server/discover
 */
import { RemoteError } from "../errors.ts";
import { ErrorCode } from "../jsonrpc/messages.ts";
import { type Implementation, type ServerIdentity, asDiscoverResult, asInitializeResult, modernEnvelope } from "../protocol/handshake.ts";
import { META } from "../protocol/versions.ts";
import type { ServerListens } from "./server-listen.ts";

/** Sends one request to the server as it is and returns its result. */
export type RoundTrip = (method: string, params: Record<string, unknown> | undefined) => Promise<unknown>;

export class EraBridge {
  /** The level a caller set with logging/setLevel, sent to a 2026-07-28 server in each request's envelope. */
  private logLevel: string | undefined;

  constructor(
    private readonly clientInfo: Implementation,
    private readonly listens: ServerListens,
  ) {}

  /** A caller's request to a server of `identity`'s era: its result, or the promise of it. */
  send(identity: ServerIdentity, method: string, params: Record<string, unknown> | undefined, roundTrip: RoundTrip): unknown {
    if (method === "initialize") return asInitializeResult(identity);
    if (method === "server/discover") return asDiscoverResult(identity);
    if (identity.era !== "modern") return roundTrip(method, params);
    if (method === "resources/subscribe" || method === "resources/unsubscribe") return this.bridgeSubscription(method, params);
    if (method === "ping") return roundTrip("server/discover", this.envelope(undefined)).then(() => ({}));
    if (method === "logging/setLevel") {
      this.logLevel = typeof params?.level === "string" ? params.level : undefined;
      return {};
    }
    return roundTrip(method, this.envelope(params));
  }

  /** `params` with the station's `_meta` envelope, for a 2026-07-28 server. */
  envelope(params: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { ...params };
    const callerMeta = params?._meta as Record<string, unknown> | undefined;
    // A caller that brought its own envelope (its own capabilities, say) keeps it.
    if (callerMeta?.[META.protocolVersion] !== undefined) return out;
    const meta: Record<string, unknown> = { ...modernEnvelope(this.clientInfo), ...callerMeta };
    if (this.logLevel && meta[META.logLevel] === undefined) meta[META.logLevel] = this.logLevel;
    out._meta = meta;
    return out;
  }

  /** Keeps a 2026-07-28 server sending `uri`'s updates (a listen of their own) until the returned function is called. */
  watch(identity: ServerIdentity | undefined, uri: string): () => void {
    return identity?.era === "modern" ? this.listens.hold(uri) : () => {};
  }

  /**
   * 2026-07-28 removed resources/subscribe: a caller's subscription (a legacy client's, say) becomes the
   * station's listen for that URI, held, as a legacy server holds it, until resources/unsubscribe.
   */
  private bridgeSubscription(method: string, params: Record<string, unknown> | undefined): Record<string, never> {
    const uri = params?.uri;
    if (typeof uri !== "string") throw new RemoteError(ErrorCode.InvalidParams, "Invalid params: uri must be a string");
    if (!this.listens.resourceUpdates) throw new RemoteError(ErrorCode.MethodNotFound, "Method not found");
    if (method === "resources/subscribe") this.listens.subscribe(uri);
    else this.listens.unsubscribe(uri);
    return {};
  }
}
