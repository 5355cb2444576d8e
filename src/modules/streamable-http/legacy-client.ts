/**
 * One legacy client's MCP session on a station session (Mcp-Session-Id):
 * its streams, its requests in flight, and the server's requests it was
 * asked. Session notifications go to its GET stream, or to the stream of its
 * newest request when it has no GET stream (so logging during a tool call
 * reaches clients that never open one); a legacy server's sampling and
 * elicitation requests go out on the stream of its newest request in flight,
 * else on the GET stream, and its answer (a POSTed response) is returned to
 * the server. What its streams keep for resumption is bounded by
 * `resumeBytes` (MCP_STATION_MCP_RESUME_BYTES): finished streams are
 * forgotten first, oldest first, then the oldest events of open ones.
 */
import { RemoteError } from "../../errors.ts";
import { ErrorCode, type JsonRpcId, type JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Caller } from "../../security/caller.ts";
import { isWithheld } from "../../sessions/access-check.ts";
import type { SessionEvent } from "../../sessions/event-buffer.ts";
import type { Session } from "../../sessions/session.ts";
import { type LiveClient, declares } from "../../sessions/client-hub.ts";
import { sessionScopedId } from "../../http/session-scoped-id.ts";
import { ReplayableStream, type StreamKeeper } from "./replayable-stream.ts";
import { ServerSetup } from "./server-setup.ts";

export const STANDALONE_STREAM = "get";

interface InFlight {
  controller: AbortController;
  sentAt: number;
  stream: ReplayableStream | undefined;
}

export interface ResumeLimits {
  /** Bytes all of the client's streams keep for resumption; 0 keeps nothing. */
  resumeBytes: number;
}

export class LegacyMcpSession implements LiveClient, StreamKeeper {
  /** Its Mcp-Session-Id: names its station session, so that any node of a cluster finds the one that holds it. */
  readonly id: string;
  lastActiveAt = Date.now();
  readonly standalone: ReplayableStream;
  /** In the order opened: the oldest finished stream is the first to be forgotten. */
  private readonly streams = new Map<string, ReplayableStream>();
  /** Bytes its streams keep for resumption, within `resumeBytes`. */
  keptBytes = 0;
  private arrivals = 0;
  private readonly inFlight = new Map<JsonRpcId, InFlight>();
  private readonly asked = new Map<string, { resolve(result: unknown): void; reject(error: Error): void }>();
  private nextStream = 1;
  private nextAsk = 1;
  private readonly cleanups: (() => void)[] = [];
  closed = false;
  /** What it set up on a legacy server, sent again after a restart. */
  readonly setup = new ServerSetup();

  constructor(
    readonly session: Session,
    /**
     * Who initialized it. Each later request brings its own caller and is checked with it; what the session
     * sends unasked (the updates of resources) is relayed only as far as this caller may read it. The
     * Mcp-Session-Id is the initializer's secret, and each request on it must still reach the station session
     * as its owner or an admin.
     */
    readonly caller: Caller,
    readonly protocolVersion: string,
    readonly capabilities: Record<string, unknown>,
    readonly clientInfo: Record<string, unknown> | undefined,
    /** The initialize result it was given, as JSON: a restarted server that would answer otherwise ends the MCP session. */
    readonly announced: string,
    private readonly limits: ResumeLimits,
  ) {
    this.id = sessionScopedId(session.id);
    this.standalone = this.newStream(STANDALONE_STREAM);
    this.cleanups.push(session.clients.attach(this));
    this.cleanups.push(session.events.subscribe((event) => this.relay(event)));
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.standalone.attached || this.asked.size > 0;
  }

  openStream(): ReplayableStream {
    return this.newStream(String(this.nextStream++));
  }

  stream(id: string): ReplayableStream | undefined {
    return this.streams.get(id);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Forgets a stream and what it keeps (the GET stream stays, emptied). */
  dropStream(stream: ReplayableStream): void {
    if (this.streams.get(stream.id) !== stream) return;
    this.keptBytes -= stream.forget();
    if (stream.id !== STANDALONE_STREAM) this.streams.delete(stream.id);
  }

  get resumeBytes(): number {
    return this.limits.resumeBytes;
  }

  keptChanged(_stream: ReplayableStream, delta: number): void {
    this.keptBytes += delta;
    if (this.keptBytes > this.limits.resumeBytes) this.trim();
  }

  finished(stream: ReplayableStream): void {
    // Without its answer a finished stream is not worth resuming: a resume that ends without it would
    // only send the client round again. Forgotten, it answers a resume with an error.
    if (stream.keptBytes === 0 || !stream.keptNewest) this.dropStream(stream);
  }

  begin(id: JsonRpcId, stream: ReplayableStream | undefined): AbortController {
    const controller = new AbortController();
    this.inFlight.set(id, { controller, sentAt: Date.now(), stream });
    this.lastActiveAt = Date.now();
    return controller;
  }

  end(id: JsonRpcId): void {
    this.inFlight.delete(id);
    this.lastActiveAt = Date.now();
  }

  cancel(id: JsonRpcId): boolean {
    const pending = this.inFlight.get(id);
    pending?.controller.abort();
    return pending !== undefined;
  }

  /** A response the client POSTed to one of the server's requests. */
  answer(id: JsonRpcId, result: unknown, error: { code: number; message: string; data?: unknown } | undefined): boolean {
    const question = typeof id === "string" ? this.asked.get(id) : undefined;
    if (!question) return false;
    this.asked.delete(id as string);
    if (error) question.reject(new RemoteError(error.code, error.message, error.data));
    else question.resolve(result);
    return true;
  }

  accepts(method: string): boolean {
    return !this.closed && declares(this.capabilities, method);
  }

  busySince(): number | undefined {
    let newest: number | undefined;
    for (const pending of this.inFlight.values()) newest = Math.max(newest ?? 0, pending.sentAt);
    return newest;
  }

  ask(request: JsonRpcRequest): Promise<unknown> | undefined {
    return this.request(request.method, request.params);
  }

  /** Sends a request to the client on its newest request stream (else the GET stream); undefined when it has none open. */
  request(method: string, params: unknown): Promise<unknown> | undefined {
    if (!this.accepts(method)) return undefined;
    const stream = this.outlet();
    if (!stream) return undefined;
    const id = `station-${this.nextAsk++}`;
    return new Promise((resolve, reject) => {
      this.asked.set(id, { resolve, reject });
      stream.send({ jsonrpc: "2.0", id, method, params: params ?? {} });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cleanup of this.cleanups) cleanup();
    for (const pending of this.inFlight.values()) pending.controller.abort();
    for (const question of this.asked.values())
      question.reject(new RemoteError(ErrorCode.InternalError, "the client ended its MCP session before it answered"));
    this.asked.clear();
    for (const stream of this.streams.values()) stream.detach();
  }

  private newStream(id: string): ReplayableStream {
    const stream = new ReplayableStream(id, this, () => this.arrivals++);
    this.streams.set(id, stream);
    return stream;
  }

  /**
   * Back within the bound. Finished streams go first, oldest first: their answers were most likely read
   * live. Then the oldest events of the streams still open (a long call's early progress, old GET-stream
   * notifications): a resume replays what is left, which the spec allows (replay is a MAY).
   */
  private trim(): void {
    for (const stream of this.streams.values()) {
      if (this.keptBytes <= this.limits.resumeBytes) return;
      if (stream.done) this.dropStream(stream);
    }
    while (this.keptBytes > this.limits.resumeBytes) {
      let oldest: ReplayableStream | undefined;
      for (const stream of this.streams.values()) {
        const arrival = stream.oldestArrival;
        if (arrival !== undefined && (oldest === undefined || arrival < (oldest.oldestArrival as number))) oldest = stream;
      }
      if (!oldest) return;
      this.keptBytes -= oldest.evictOldest();
    }
  }

  /** The stream of the newest request in flight whose reader is attached, else the GET stream if attached. */
  private outlet(preferStandalone = false): ReplayableStream | undefined {
    if (preferStandalone && this.standalone.attached) return this.standalone;
    let best: InFlight | undefined;
    for (const pending of this.inFlight.values()) {
      if (pending.stream && !pending.stream.done && (!best || pending.sentAt > best.sentAt)) best = pending;
    }
    if (best?.stream) return best.stream;
    return this.standalone.attached ? this.standalone : undefined;
  }

  private relay(event: SessionEvent): void {
    if (event.kind !== "notification" || this.closed) return;
    const data = event.data as { method: string; params?: unknown };
    // Progress goes to the request it belongs to (routed by token), never broadcast.
    if (data.method === "notifications/progress") return;
    // Another caller's subscription: its updates do not reach a client the access rules keep from the resource.
    // Left out here, before a stream keeps it, so a resume with Last-Event-ID cannot replay it either.
    if (isWithheld(this.session, event, this.caller)) return;
    const message: Record<string, unknown> = { jsonrpc: "2.0", method: data.method };
    if (data.params !== undefined) message.params = data.params;
    // A log line most likely belongs to the request in flight: on its stream it arrives before that request's
    // answer (across two streams the order is lost). Other notifications prefer the GET stream.
    (this.outlet(data.method !== "notifications/message") ?? this.standalone).send(message);
  }
}
