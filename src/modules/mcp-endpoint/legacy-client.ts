/**
 * One legacy client's MCP session on a station session (Mcp-Session-Id):
 * its streams, its requests in flight, and the server's requests it was
 * asked. Session notifications go to its GET stream, or to the stream of its
 * newest request when it has no GET stream (so logging during a tool call
 * reaches clients that never open one); a legacy server's sampling and
 * elicitation requests go out on the stream of its newest request in flight,
 * else on the GET stream, and its answer (a POSTed response) is returned to
 * the server.
 */
import { RemoteError } from "../../errors.ts";
import { ErrorCode, type JsonRpcId, type JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { SessionEvent } from "../../sessions/event-buffer.ts";
import type { Session } from "../../sessions/session.ts";
import { type LiveClient, declares, hubOf } from "../live/client-hub.ts";
import { ReplayableStream } from "./replayable-stream.ts";

export const STANDALONE_STREAM = "get";

interface InFlight {
  controller: AbortController;
  sentAt: number;
  stream: ReplayableStream | undefined;
}

export class LegacyMcpSession implements LiveClient {
  readonly id = crypto.randomUUID();
  lastActiveAt = Date.now();
  readonly standalone = new ReplayableStream(STANDALONE_STREAM);
  private readonly streams = new Map<string, ReplayableStream>([[STANDALONE_STREAM, this.standalone]]);
  private readonly inFlight = new Map<JsonRpcId, InFlight>();
  private readonly asked = new Map<string, { resolve(result: unknown): void; reject(error: Error): void }>();
  private nextStream = 1;
  private nextAsk = 1;
  private readonly cleanups: (() => void)[] = [];
  closed = false;

  constructor(
    readonly session: Session,
    readonly protocolVersion: string,
    readonly capabilities: Record<string, unknown>,
    readonly clientInfo: Record<string, unknown> | undefined,
  ) {
    this.cleanups.push(hubOf(session).attach(this));
    this.cleanups.push(session.events.subscribe((event) => this.relay(event)));
  }

  get busy(): boolean {
    return this.inFlight.size > 0 || this.standalone.attached || this.asked.size > 0;
  }

  openStream(): ReplayableStream {
    const stream = new ReplayableStream(String(this.nextStream++));
    this.streams.set(stream.id, stream);
    return stream;
  }

  stream(id: string): ReplayableStream | undefined {
    return this.streams.get(id);
  }

  /** Forgets a finished stream once nothing can resume it any more. */
  dropStream(stream: ReplayableStream): void {
    if (stream.id !== STANDALONE_STREAM) this.streams.delete(stream.id);
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
    for (const question of this.asked.values()) question.reject(new RemoteError(ErrorCode.InternalError, "the client ended its MCP session before it answered"));
    this.asked.clear();
    for (const stream of this.streams.values()) stream.detach();
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
    const message: Record<string, unknown> = { jsonrpc: "2.0", method: data.method };
    if (data.params !== undefined) message.params = data.params;
    // A log line most likely belongs to the request in flight: on its stream it arrives before that request's
    // answer (across two streams the order is lost). Other notifications prefer the GET stream.
    (this.outlet(data.method !== "notifications/message") ?? this.standalone).send(message);
  }
}
