/**
 * The station's own `subscriptions/listen` requests to a 2026-07-28 server.
 * Such a server sends list changes and resource updates only on a listen
 * stream its client opened (SEP-2575); on stdio every subscription shares the
 * one channel and each notification names its subscription in
 * `_meta["io.modelcontextprotocol/subscriptionId"]` (the listen's request id).
 *
 * One listen asks for the list changes server/discover declared; one more per
 * watched resource URI asks for that URI's updates (`resourceSubscriptions`),
 * so no update arrives twice and a URI's listen can end on its own. A listen
 * has no deadline, is re-opened on each fresh connection (a restart), and is
 * withdrawn with notifications/cancelled when the session stops. A server
 * that answers with an error is not asked again on that connection.
 *
 * @example
 *   listens.start(peer, identity.capabilities);       // once the session runs
 *   const release = listens.hold("file:///notes.txt");   // a client wants its updates
 */
import { isFailure } from "../jsonrpc/messages.ts";
import type { JsonRpcPeer } from "../jsonrpc/peer.ts";
import type { Logger } from "../log.ts";
import { META } from "../protocol/versions.ts";

/** The filter of a subscriptions/listen request (2026-07-28 SubscriptionFilter). */
export interface ListenFilter {
  toolsListChanged?: boolean;
  promptsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

const LISTEN = "subscriptions/listen";
const ACKNOWLEDGED = "notifications/subscriptions/acknowledged";

function flag(capabilities: Record<string, unknown>, name: string, key: string): boolean {
  const entry = capabilities[name];
  return typeof entry === "object" && entry !== null && (entry as Record<string, unknown>)[key] === true;
}

/** The list changes a server declared it announces: only those may be asked for. */
export function listChangeFilter(capabilities: Record<string, unknown>): ListenFilter {
  const filter: ListenFilter = {};
  if (flag(capabilities, "tools", "listChanged")) filter.toolsListChanged = true;
  if (flag(capabilities, "prompts", "listChanged")) filter.promptsListChanged = true;
  if (flag(capabilities, "resources", "listChanged")) filter.resourcesListChanged = true;
  return filter;
}

function hasSubscriptionId(params: Record<string, unknown> | undefined): boolean {
  const meta = params?._meta;
  return typeof meta === "object" && meta !== null && META.subscriptionId in meta;
}

/**
 * A notification that came on a listen, as the session publishes it: every channel sees it as its own,
 * so the station's subscription id is removed (a modern listener gets its own stamped on).
 */
export function withoutSubscriptionId(params: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!hasSubscriptionId(params)) return params;
  const { _meta: meta, ...body } = params!;
  const { [META.subscriptionId]: _id, ...rest } = meta as Record<string, unknown>;
  return Object.keys(rest).length > 0 ? { ...body, _meta: rest } : body;
}

export class ServerListens {
  private peer: JsonRpcPeer | undefined;
  private capabilities: Record<string, unknown> = {};
  /** Open listens on the current connection by station id: the URI watched, or undefined for the list changes. */
  private readonly open = new Map<number, string | undefined>();
  private readonly byUri = new Map<string, number>();
  /** Watchers per URI: modern listeners' holds, and one for a resources/subscribe. */
  private readonly holds = new Map<string, number>();
  private readonly subscribed = new Set<string>();

  constructor(
    /** Puts the station's `_meta` envelope on the request's params. */
    private readonly envelope: (params: Record<string, unknown>) => Record<string, unknown>,
    private readonly log: Logger,
    private readonly sessionId: string,
  ) {}

  /** A fresh connection is running: listens for its declared list changes and every watched URI. */
  start(peer: JsonRpcPeer, capabilities: Record<string, unknown>): void {
    this.peer = peer;
    this.capabilities = capabilities;
    this.open.clear();
    this.byUri.clear();
    const filter = listChangeFilter(capabilities);
    if (Object.keys(filter).length > 0) this.send(filter, undefined);
    for (const uri of this.watched()) this.send({ resourceSubscriptions: [uri] }, uri);
  }

  /** The session stops: each open listen is withdrawn (notifications/cancelled) while the server still reads. */
  stop(): void {
    const peer = this.peer;
    this.peer = undefined;
    for (const id of this.open.keys()) peer?.cancel(id, new Error("the session is stopping"), "the session is stopping");
    this.open.clear();
    this.byUri.clear();
  }

  /** The connection is gone (the server exited): its listens went with it. */
  closed(): void {
    this.peer = undefined;
    this.open.clear();
    this.byUri.clear();
  }

  /** Listens still waiting on the server: pending requests that are no caller's. */
  get pending(): number {
    let n = 0;
    for (const id of this.open.keys()) if (this.peer?.correlator.has(id)) n += 1;
    return n;
  }

  /** Whether the server can send updates of single resources (resources.subscribe). */
  get resourceUpdates(): boolean {
    return flag(this.capabilities, "resources", "subscribe");
  }

  /** An acknowledgement of one of the station's listens: the station's alone, never published. */
  consumes(method: string, params: Record<string, unknown> | undefined): boolean {
    if (method !== ACKNOWLEDGED || !hasSubscriptionId(params)) return false;
    this.log.debug("the server acknowledged a subscriptions/listen", {
      session_id: this.sessionId,
      id: (params!._meta as Record<string, unknown>)[META.subscriptionId],
      notifications: params!.notifications,
    });
    return true;
  }

  /** Keeps `uri`'s updates coming until the returned function is called. */
  hold(uri: string): () => void {
    this.holds.set(uri, (this.holds.get(uri) ?? 0) + 1);
    this.watch(uri);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.holds.get(uri) ?? 1) - 1;
      if (left > 0) this.holds.set(uri, left);
      else this.holds.delete(uri);
      this.unwatchIfUnused(uri);
    };
  }

  /** resources/subscribe from a caller of the session: like a legacy server's, it holds until resources/unsubscribe. */
  subscribe(uri: string): void {
    this.subscribed.add(uri);
    this.watch(uri);
  }

  unsubscribe(uri: string): void {
    this.subscribed.delete(uri);
    this.unwatchIfUnused(uri);
  }

  private watched(): Set<string> {
    return new Set([...this.holds.keys(), ...this.subscribed]);
  }

  private watch(uri: string): void {
    if (this.peer && this.resourceUpdates && !this.byUri.has(uri)) this.send({ resourceSubscriptions: [uri] }, uri);
  }

  private unwatchIfUnused(uri: string): void {
    if (this.holds.has(uri) || this.subscribed.has(uri)) return;
    const id = this.byUri.get(uri);
    if (id === undefined) return;
    this.byUri.delete(uri);
    this.open.delete(id);
    this.peer?.cancel(id, new Error("no one watches the resource any more"), "no one watches the resource any more");
  }

  private send(notifications: ListenFilter, uri: string | undefined): void {
    const peer = this.peer!;
    // No deadline: the server answers a listen only when it ends the subscription.
    const sent = peer.request(LISTEN, this.envelope({ notifications }), { timeoutMs: Number.POSITIVE_INFINITY });
    this.open.set(sent.id, uri);
    if (uri !== undefined) this.byUri.set(uri, sent.id);
    const forget = () => {
      // A stale answer (an earlier connection, a cancelled listen) must not touch the current ones.
      if (this.peer !== peer || !this.open.has(sent.id)) return false;
      this.open.delete(sent.id);
      if (uri !== undefined && this.byUri.get(uri) === sent.id) this.byUri.delete(uri);
      return true;
    };
    sent.response.then(
      (response) => {
        if (!forget()) return;
        const what = uri === undefined ? "list changes" : `updates of ${uri}`;
        if (isFailure(response)) {
          this.log.info(`the server refused subscriptions/listen: its ${what} will not reach the session's clients`, {
            session_id: this.sessionId,
            code: response.error.code,
            message: response.error.message,
          });
        } else {
          this.log.info(`the server ended its subscriptions/listen: its ${what} no longer reach the session's clients`, {
            session_id: this.sessionId,
          });
        }
      },
      () => forget(),
    );
  }
}
