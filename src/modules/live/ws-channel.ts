/**
 * One WebSocket caller on a session: full-duplex JSON-RPC. Its requests join
 * everyone else's on the session (the session's own ids keep them apart on
 * stdio, the caller's ids come back on its responses); it receives the
 * progress of its own requests and the session's other notifications; a
 * server's sampling, elicitation and roots requests come to it when it
 * declared the capability in `initialize` (a legacy server's as requests on
 * stdio, a 2026-07-28 server's as input_required results, walked through
 * here), and its answers go back to the server. `notifications/cancelled` or closing the socket withdraws requests.
 * A restart the policy recovers from does not end it (issue 14): requests in
 * flight at the death get their error, later ones wait for the new process.
 * Knows nothing of the socket itself: messages go out through `send`.
 */
import type { Caller } from "../../security/caller.ts";
import type { JsonRpcId, JsonRpcRequest } from "../../jsonrpc/messages.ts";
import { classify } from "../../jsonrpc/messages.ts";
import { InvalidJson, InvalidRequest, RemoteError, RpcCode, toRpcError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { initializeResultFor, modernClientCapabilities } from "../../protocol/bridge.ts";
import { withInputRounds } from "../../protocol/input-rounds.ts";
import { META } from "../../protocol/versions.ts";
import type { RequestOptions } from "../../sessions/server-connection.ts";
import { type Session, isLive, isTerminal } from "../../sessions/session.ts";
import { isWithheld } from "../../sessions/access-check.ts";
import type { SessionEvent } from "../../sessions/event-buffer.ts";
import { type LiveClient, declares } from "../../sessions/client-hub.ts";
import { reportMasked } from "../../http/masked-errors.ts";
import { endWhenGone, serverRunning } from "../../http/restart-wait.ts";
import type { Context } from "@opentelemetry/api";
import { startMcpMessage } from "../../tracing/http-span.ts";
import { endScope, inScope } from "../../tracing/spans.ts";

interface Pending {
  controller: AbortController;
  sentAt: number;
  /** The caller cancelled it: the spec says no response follows. */
  withdrawn: boolean;
}

export class WsChannel implements LiveClient {
  lastActiveAt = Date.now();
  private capabilities: Record<string, unknown> = {};
  /** What the caller said it is at initialize: a 2026-07-28 server sees it in each request's envelope. */
  private clientInfo: Record<string, unknown> | undefined;
  private readonly inFlight = new Map<JsonRpcId, Pending>();
  private readonly asked = new Map<string, { resolve(result: unknown): void; reject(error: Error): void }>();
  private nextAsk = 1;
  private readonly cleanups: (() => void)[] = [];
  private ended = false;

  constructor(
    private readonly session: Session,
    /** Who opened the socket: the access rules decide which tools it sees and calls (Session.request). */
    private readonly caller: Caller,
    private readonly send: (message: Record<string, unknown>) => void,
    private readonly close: (code: number, reason: string) => void,
    private readonly log: Logger,
    /** The trace context of the upgrade request, the parent of messages that bring none of their own. */
    private readonly upgrade?: Context,
  ) {}

  start(): void {
    this.cleanups.push(this.session.clients.attach(this));
    this.cleanups.push(this.session.events.subscribe((event) => this.relay(event)));
    if (isTerminal(this.session.status)) this.closeWhenGone();
  }

  /** The socket closed: its outstanding requests are withdrawn, questions to it fail. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const cleanup of this.cleanups) cleanup();
    for (const pending of this.inFlight.values()) {
      pending.withdrawn = true;
      pending.controller.abort();
    }
    for (const question of this.asked.values())
      question.reject(new RemoteError(RpcCode.InternalError, "the client's WebSocket closed before it answered"));
    this.asked.clear();
  }

  accepts(method: string): boolean {
    return !this.ended && declares(this.capabilities, method);
  }

  busySince(): number | undefined {
    let newest: number | undefined;
    for (const pending of this.inFlight.values()) newest = Math.max(newest ?? 0, pending.sentAt);
    return newest;
  }

  ask(request: JsonRpcRequest): Promise<unknown> | undefined {
    if (!this.accepts(request.method)) return undefined;
    const id = `station-${this.nextAsk++}`;
    return new Promise((resolve, reject) => {
      this.asked.set(id, { resolve, reject });
      this.send({ jsonrpc: "2.0", id, method: request.method, params: request.params ?? {} });
    });
  }

  /** One message from the socket (already parsed, or text). */
  receive(raw: unknown): void {
    this.lastActiveAt = Date.now();
    let value = raw;
    if (typeof raw === "string" || raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
      try {
        value = JSON.parse(typeof raw === "string" ? raw : new TextDecoder().decode(raw));
      } catch (cause) {
        this.fail(null, new InvalidJson("not valid JSON", { cause }));
        return;
      }
    }
    const sorted = classify(value);
    switch (sorted.kind) {
      case "request":
        this.request(sorted.message);
        return;
      case "notification":
        this.notification(sorted.message.method, sorted.message.params as Record<string, unknown> | undefined);
        return;
      case "response": {
        const question = typeof sorted.message.id === "string" ? this.asked.get(sorted.message.id) : undefined;
        if (!question) return;
        this.asked.delete(sorted.message.id as string);
        if ("error" in sorted.message) {
          const { code, message, data } = sorted.message.error;
          question.reject(new RemoteError(code, message, data));
        } else question.resolve(sorted.message.result);
        return;
      }
      case "invalid":
        this.fail(null, new InvalidRequest(`invalid JSON-RPC message: ${sorted.reason}`));
    }
  }

  private request(request: JsonRpcRequest): void {
    const { id, method } = request;
    const params = request.params as Record<string, unknown> | undefined;
    if (method === "initialize") {
      // The server's handshake happened once per run; this caller gets it from the cache, the new run's
      // when it arrives during a restart.
      this.capabilities = (params?.capabilities as Record<string, unknown> | undefined) ?? {};
      this.clientInfo = params?.clientInfo as Record<string, unknown> | undefined;
      const answer = () => this.send({ jsonrpc: "2.0", id, result: initializeResultFor(this.session.identity!, params?.protocolVersion) });
      if (isLive(this.session.status)) answer();
      else serverRunning(this.session).then(answer, (error) => this.fail(id, error));
      return;
    }
    if (this.inFlight.has(id)) {
      this.fail(id, new InvalidRequest(`request id ${JSON.stringify(id)} is already in flight`));
      return;
    }
    const pending: Pending = { controller: new AbortController(), sentAt: Date.now(), withdrawn: false };
    this.inFlight.set(id, pending);
    const answer = (message: Record<string, unknown>) => {
      this.inFlight.delete(id);
      if (!pending.withdrawn) this.send({ jsonrpc: "2.0", id, ...message });
    };
    // Its span continues the caller's trace from params._meta, else the upgrade request's (tracing on only).
    const span = startMcpMessage(method, params, this.session.id, "websocket", this.upgrade);
    let call: Promise<unknown>;
    try {
      const options: RequestOptions = {
        caller: this.caller,
        signal: pending.controller.signal,
        onProgress: (progress) => {
          if (!pending.withdrawn) this.send({ jsonrpc: "2.0", method: "notifications/progress", params: progress });
        },
      };
      call = inScope(span, () => this.run(method, params, options));
    } catch (error) {
      call = Promise.reject(error);
    }
    call.then(
      (result) => {
        endScope(span);
        answer({ result });
      },
      (error) => {
        endScope(span, error);
        reportMasked(this.log, error, { session_id: this.session.id, method });
        answer({ error: toRpcError(error) });
      },
    );
  }

  /**
   * One request on the server. A 2026-07-28 server learns from the envelope
   * what this caller declared at initialize, and asks for what it needs
   * (sampling, elicitation, roots) with input_required results, which this
   * socket's caller, speaking the legacy way, answers as requests of the
   * server's own. A caller that brings a 2026 envelope of its own speaks that
   * era: it gets input_required as it is.
   */
  private run(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    const meta = params?._meta as Record<string, unknown> | undefined;
    if (this.session.era !== "modern" || meta?.[META.protocolVersion] !== undefined) return this.session.request(method, params, options);
    const declared = { [META.clientCapabilities]: modernClientCapabilities(this.capabilities) };
    const enveloped = { ...params, _meta: { ...declared, ...(this.clientInfo ? { [META.clientInfo]: this.clientInfo } : {}), ...meta } };
    return withInputRounds((current) => this.session.request(method, current, options), enveloped, {
      ask: (request) => this.ask(request),
      roots: () => this.session.roots,
      signal: options.signal,
    });
  }

  /** A JSON-RPC error answer to the caller, mapped by the one table. */
  private fail(id: JsonRpcId | null, error: unknown): void {
    this.send({ jsonrpc: "2.0", id, error: toRpcError(error) });
  }

  private notification(method: string, params: Record<string, unknown> | undefined): void {
    if (method === "notifications/cancelled") {
      const pending = this.inFlight.get(params?.requestId as JsonRpcId);
      if (pending) {
        pending.withdrawn = true;
        pending.controller.abort();
      }
      return;
    }
    // The station already told the server it is initialized, once.
    if (method === "notifications/initialized") return;
    const send = () => this.session.notify(method, params);
    if (!isLive(this.session.status)) {
      // A restart: it waits for the new process as a request does.
      void serverRunning(this.session)
        .then(send)
        .catch(() => {
          // No server is coming; the socket closes.
        });
      return;
    }
    try {
      send();
    } catch {
      // The server is gone; the status event tells the caller.
    }
  }

  /** The session's events: notifications go out as notifications (others' progress stays theirs, and unreadable resources' updates), exit closes. */
  private relay(event: SessionEvent): void {
    if (event.kind === "notification") {
      const data = event.data as { method: string; params?: unknown };
      if (data.method === "notifications/progress") return;
      // Another caller's subscription: its updates do not reach a caller the access rules keep from the resource.
      if (isWithheld(this.session, event, this.caller)) return;
      const message: Record<string, unknown> = { jsonrpc: "2.0", method: data.method };
      if (data.params !== undefined) message.params = data.params;
      this.send(message);
    } else if (event.kind === "status" && isTerminal((event.data as { status: Session["status"] }).status)) {
      this.closeWhenGone();
    }
  }

  /** The socket closes once no server is coming: an exit the restart policy recovers from keeps it open. */
  private closeWhenGone(): void {
    endWhenGone(this.session, () => {
      if (!this.ended) this.close(1011, endReason(this.session));
    });
  }
}

function endReason(session: Session): string {
  return session.status === "failed" ? "the session failed" : "the server has exited";
}
