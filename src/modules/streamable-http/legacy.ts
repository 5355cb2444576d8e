/**
 * Streamable HTTP for legacy clients (2025-03-26 .. 2025-11-25) on one
 * station session: `initialize` answered from the station's cached handshake
 * with the server, an Mcp-Session-Id per client, POST answered as JSON or as
 * an SSE stream, the GET stream for server-initiated messages, DELETE, and
 * streams resumable with Last-Event-ID. A legacy client on a modern server
 * gets the server's input_required results turned into requests to itself
 * (sampling, elicitation, roots) and the server retried with its answers.
 */
import { callerOf } from "../../plugins/auth.ts";
import type { JsonRpcId, JsonRpcRequest } from "../../jsonrpc/messages.ts";
import {
  LegacyVersionUnsupported,
  McpSessionIdRequired,
  McpSessionNotFound,
  NotAcceptable,
  StreamAlreadyOpen,
  StreamNotHeld,
} from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { initializeResultFor } from "../../protocol/bridge.ts";
import { isLegacyVersion } from "../../protocol/versions.ts";
import { type Session, type SessionStatus, isLive, isTerminal } from "../../sessions/session.ts";
import { endWhenGone, serverRunning } from "../../http/restart-wait.ts";
import { SseStream, acceptsEventStream } from "../../http/sse.ts";
import { callForClient } from "./legacy-call.ts";
import { LegacyMcpSession } from "./legacy-client.ts";
import { accepted, errorReply, gateReply, json } from "./replies.ts";
import { parseEventId } from "./replayable-stream.ts";

export interface EndpointSettings {
  keepAliveMs: number;
  maxQueuedBytes: number;
  mcpSessionIdleMs: number;
  inputWaitMs: number;
  /** Bytes one legacy client's MCP session keeps for resuming its streams (MCP_STATION_MCP_RESUME_BYTES). */
  resumeBytes: number;
  clientInfo: { name: string; version: string };
  /** Where unknown failures, masked to clients, are logged in full; else the registry's logger, else none. */
  log?: Logger;
}

export class LegacyEndpoint {
  private readonly clients = new Map<string, LegacyMcpSession>();
  /** The station sessions whose status this endpoint follows, one subscription each (not one per client). */
  private readonly watched = new Map<Session, () => void>();
  /** Called when a client's MCP session ends (DELETE, idle, its server gone for good or changed by a restart). */
  onForget: ((client: LegacyMcpSession) => void) | undefined;

  constructor(
    private readonly settings: EndpointSettings,
    private readonly log: Logger,
  ) {
    setInterval(() => this.sweep(), Math.min(60_000, settings.mcpSessionIdleMs)).unref?.();
  }

  /**
   * initialize, answered from the station's handshake with the server. While the server restarts it waits
   * for the new process (within the request deadline) and answers from its handshake; it fails as
   * /mcp/request does, 503 with Retry-After or 409, when the restart cannot make it or none is coming.
   */
  async initialize(session: Session, request: Request, message: JsonRpcRequest): Promise<Response> {
    try {
      await serverRunning(session, request.signal);
    } catch (error) {
      return gateReply(message.id, error);
    }
    const params = (message.params ?? {}) as Record<string, unknown>;
    const result = initializeResultFor(session.identity!, params.protocolVersion);
    const client = new LegacyMcpSession(
      session,
      callerOf(request),
      result.protocolVersion as string,
      (params.capabilities as Record<string, unknown> | undefined) ?? {},
      params.clientInfo as Record<string, unknown> | undefined,
      JSON.stringify(result),
      { resumeBytes: this.settings.resumeBytes },
    );
    this.clients.set(client.id, client);
    this.watch(session);
    const headers = { "mcp-session-id": client.id };
    const reply = { jsonrpc: "2.0", id: message.id, result };
    if (!acceptsEventStream(request) || prefersJson(request)) return json(reply, 200, headers);
    const sse = new SseStream({ headers, maxQueuedBytes: this.settings.maxQueuedBytes });
    sse.send({ event: "message", data: JSON.stringify(reply) });
    sse.close();
    return sse.response;
  }

  /**
   * A client's MCP session outlives a restart of its server that the policy recovers from: the station
   * made the new process's handshake itself, and the client's version and capabilities are the station's
   * to keep. It ends when no server is coming, and when the new process would answer initialize otherwise
   * than the client was told (another version of the server, other capabilities): the client's 404 makes
   * it initialize again and learn the new ones. What the client set up on a legacy server is sent again.
   */
  private watch(session: Session): void {
    if (this.watched.has(session)) return;
    let previous: SessionStatus = session.status;
    const unsubscribe = session.events.subscribe((event) => {
      if (event.kind !== "status") return;
      const status = (event.data as { status: SessionStatus }).status;
      const restarted = status === "running" && previous === "starting";
      previous = status;
      if (isTerminal(status)) endWhenGone(session, () => this.forgetAll(session));
      else if (restarted) this.restarted(session);
    });
    this.watched.set(session, unsubscribe);
  }

  private restarted(session: Session): void {
    for (const client of this.clientsOf(session)) {
      const now = JSON.stringify(initializeResultFor(session.identity!, client.protocolVersion));
      if (now !== client.announced) {
        this.log.info("MCP session ended: the restarted server answers initialize differently", {
          session_id: session.id,
          mcp_session_id: client.id,
        });
        this.forget(client);
      } else if (session.era === "legacy") {
        void client.setup.replay(session).then((refused) => {
          for (const { method, error } of refused)
            this.log.warn("a restarted server refused what a client had set up", {
              session_id: session.id,
              mcp_session_id: client.id,
              method,
              reason: (error as Error).message,
            });
        });
      }
    }
  }

  private clientsOf(session: Session): LegacyMcpSession[] {
    return [...this.clients.values()].filter((client) => client.session === session);
  }

  private forgetAll(session: Session): void {
    for (const client of this.clientsOf(session)) this.forget(client);
  }

  /** The client's MCP session named by Mcp-Session-Id, or the error answer the spec gives. */
  lookup(session: Session, request: Request): LegacyMcpSession | Response {
    const id = request.headers.get("mcp-session-id");
    if (!id) return errorReply(null, new McpSessionIdRequired());
    const client = this.clients.get(id);
    if (!client || client.session !== session || client.closed) return errorReply(null, new McpSessionNotFound());
    const version = request.headers.get("mcp-protocol-version");
    if (version !== null && !isLegacyVersion(version)) return errorReply(null, new LegacyVersionUnsupported(version));
    client.lastActiveAt = Date.now();
    return client;
  }

  notification(client: LegacyMcpSession, method: string, params: Record<string, unknown> | undefined): Response {
    const headers = { "mcp-session-id": client.id };
    if (method === "notifications/cancelled") client.cancel(params?.requestId as JsonRpcId);
    else if (method !== "notifications/initialized") {
      const send = () => client.session.notify(method, params);
      if (isLive(client.session.status)) {
        try {
          send();
        } catch {
          // The server is gone; the next request says so.
        }
      } else {
        // A restart: it waits for the new process like a request does; the client has its 202 already.
        void serverRunning(client.session)
          .then(send)
          .catch(() => {
            // No server is coming; the client's next request says so.
          });
      }
    }
    return accepted(headers);
  }

  request(client: LegacyMcpSession, request: Request, message: JsonRpcRequest): Promise<Response> | Response {
    const headers = { "mcp-session-id": client.id };
    if (!isLive(client.session.status)) {
      // Waited out before the answer's form is chosen: a restart that cannot make it is the request's
      // HTTP status (503, 409), as on /mcp/request, not an error inside a stream.
      return serverRunning(client.session, request.signal).then(
        () => (client.closed ? errorReply(null, new McpSessionNotFound()) : this.request(client, request, message)),
        (error) => gateReply(message.id, error, headers),
      );
    }
    const useSse = acceptsEventStream(request) && !prefersJson(request);
    const stream = useSse ? client.openStream() : undefined;
    const controller = client.begin(message.id, stream);
    if (!useSse) request.signal.addEventListener("abort", () => controller.abort(), { once: true });
    const onProgress = (progress: Record<string, unknown>) =>
      stream?.send({ jsonrpc: "2.0", method: "notifications/progress", params: progress });
    const outcome = callForClient(
      client,
      message,
      { signal: controller.signal, onProgress, caller: callerOf(request) },
      this.settings.clientInfo,
      this.log,
    ).finally(() => client.end(message.id));
    if (!stream) return outcome.then((reply) => json(reply, 200, headers));
    // Dropping the POST's stream does not cancel the request (2025-11-25): the client may resume it with GET.
    const sse = new SseStream({ headers, keepAliveMs: this.settings.keepAliveMs, maxQueuedBytes: this.settings.maxQueuedBytes }).bindTo(
      request.signal,
    );
    stream.attach(sse);
    if (client.protocolVersion >= "2025-11-25") stream.prime();
    void outcome.then((reply) => {
      stream.send(reply);
      stream.finish();
    });
    return sse.response;
  }

  get(session: Session, request: Request): Response {
    if (!acceptsEventStream(request)) return errorReply(null, new NotAcceptable());
    const client = this.lookup(session, request);
    if (client instanceof Response) return client;
    const headers = { "mcp-session-id": client.id };
    const resume = parseEventId(request.headers.get("last-event-id"));
    const stream = resume ? client.stream(resume.stream) : client.standalone;
    // A stream forgotten (finished and resumed, or past MCP_STATION_MCP_RESUME_BYTES) gets an error, not an empty
    // stream: clients reconnect to a stream that ends without the answer again and again, but give up on an error.
    if (!stream) return errorReply(null, new StreamNotHeld());
    if (!resume && stream.attached) return errorReply(null, new StreamAlreadyOpen());
    const sse = new SseStream({ headers, keepAliveMs: this.settings.keepAliveMs, maxQueuedBytes: this.settings.maxQueuedBytes }).bindTo(
      request.signal,
    );
    stream.attach(sse, resume?.seq);
    if (!resume && client.protocolVersion >= "2025-11-25") stream.prime();
    if (stream.done) client.dropStream(stream);
    return sse.response;
  }

  delete(session: Session, request: Request): Response {
    const client = this.lookup(session, request);
    if (client instanceof Response) return client;
    this.forget(client);
    return new Response(null, { status: 200 });
  }

  /** The client's MCP session by its Mcp-Session-Id, whatever station session it is on. */
  clientById(id: string | null): LegacyMcpSession | undefined {
    const client = id ? this.clients.get(id) : undefined;
    return client && !client.closed ? client : undefined;
  }

  private forget(client: LegacyMcpSession): void {
    if (!this.clients.delete(client.id)) return;
    client.close();
    if (this.clientsOf(client.session).length === 0) {
      this.watched.get(client.session)?.();
      this.watched.delete(client.session);
    }
    this.onForget?.(client);
  }

  private sweep(now = Date.now()): void {
    for (const client of this.clients.values()) {
      if (isTerminal(client.session.status)) endWhenGone(client.session, () => this.forget(client));
      else if (!client.busy && now - client.lastActiveAt > this.settings.mcpSessionIdleMs) this.forget(client);
    }
  }
}

function prefersJson(request: Request): boolean {
  // A client that lists only JSON gets JSON; one that takes both gets a stream (progress and server requests fit there).
  const accept = (request.headers.get("accept") ?? "").toLowerCase();
  return !accept.includes("text/event-stream");
}
