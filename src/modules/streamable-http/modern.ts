/**
 * Streamable HTTP for modern clients (2026-07-28): stateless requests with
 * the `_meta` envelope, the routing and Mcp-Param-* headers checked against the body,
 * `server/discover`, `subscriptions/listen`, and input_required results.
 *
 * A modern client on a legacy server is bridged: the station keeps the
 * legacy handshake; when the server, while working on the client's request,
 * sends sampling/elicitation/roots requests, the station answers the client
 * with an input_required result (the server's requests as inputRequests, a
 * requestState naming the parked call) and turns the client's retry into
 * the answers the server waits for. A modern server's own input_required
 * results pass through untouched.
 */
import { callerOf } from "../../plugins/auth.ts";
import { HeaderMismatch, InvalidParams, MethodNotFound, UnsupportedProtocolVersion } from "../../errors.ts";
import type { JsonRpcId, JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Logger } from "../../log.ts";
import { discoverResultFor, headerMismatch, toModernResult } from "../../protocol/bridge.ts";
import { META, MODERN_VERSIONS, isModernVersion } from "../../protocol/versions.ts";
import { type Session, isTerminal } from "../../sessions/session.ts";
import { reportMasked } from "../../http/masked-errors.ts";
import { endWhenGone, serverRunning } from "../../http/restart-wait.ts";
import { SseStream, acceptsEventStream } from "../../http/sse.ts";
import type { EndpointSettings } from "./legacy.ts";
import { ParkedCalls } from "./parked-calls.ts";
import { errorReply, gateReply, json } from "./replies.ts";
import { ToolHeaders } from "./tool-headers.ts";

/** Methods 2026-07-28 removed; a modern client asking for them gets "method not found" as the spec's 404. */
const REMOVED = new Set(["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"]);
const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

export class ModernEndpoint {
  private readonly parked: ParkedCalls;
  /** The Mcp-Param-* headers each session's tools declare: a stdio server never sees them, so the station checks. */
  private readonly toolHeaders: ToolHeaders;

  constructor(
    private readonly settings: EndpointSettings,
    private readonly log: Logger,
  ) {
    this.toolHeaders = new ToolHeaders(log);
    this.parked = new ParkedCalls(settings.inputWaitMs);
  }

  /** The session a parked call runs on: a retry must reach the same process (registry pools). */
  sessionOfState(requestState: unknown): Session | undefined {
    return this.parked.sessionOf(requestState);
  }

  async post(session: Session, request: Request, message: JsonRpcRequest): Promise<Response> {
    const params = (message.params ?? {}) as Record<string, unknown>;
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    const version = meta[META.protocolVersion];
    if (typeof version !== "string") return errorReply(message.id, new InvalidParams(`params._meta must carry ${META.protocolVersion}`));
    // Headers first: a header that disagrees with the body is a HeaderMismatch whatever the version says.
    const mismatch = headerMismatch(request.headers, message.method, params, version);
    if (mismatch) return errorReply(message.id, new HeaderMismatch(mismatch));
    if (!isModernVersion(version))
      return errorReply(message.id, new UnsupportedProtocolVersion({ supported: [...MODERN_VERSIONS], requested: version }));
    if (typeof meta[META.clientCapabilities] !== "object" || meta[META.clientCapabilities] === null)
      return errorReply(message.id, new InvalidParams(`params._meta must carry ${META.clientCapabilities}`));
    try {
      // A server the restart policy is bringing back is waited for, within the request deadline (issue 14).
      await serverRunning(session, request.signal);
    } catch (error) {
      return gateReply(message.id, error);
    }
    if (message.method === "server/discover") return json({ jsonrpc: "2.0", id: message.id, result: discoverResultFor(session.identity!) });
    if (REMOVED.has(message.method)) return errorReply(message.id, new MethodNotFound("Method not found"));
    if (message.method === "subscriptions/listen") return this.listen(session, request, message);
    // A tool the caller may not call is refused by Session.request as access_denied; checking its headers first would describe it.
    if (message.method === "tools/call" && session.mayCallTool(String(params.name), callerOf(request))) {
      const problem = await this.toolHeaders.mismatch(session, request.headers, params);
      if (problem) return errorReply(message.id, new HeaderMismatch(problem));
    }

    const stream = acceptsEventStream(request) && (meta.progressToken !== undefined || meta[META.logLevel] !== undefined);
    const sse = stream
      ? new SseStream({ keepAliveMs: this.settings.keepAliveMs, maxQueuedBytes: this.settings.maxQueuedBytes })
      : undefined;
    const notify = (method: string, notificationParams: unknown) =>
      sse?.send({ event: "message", data: JSON.stringify({ jsonrpc: "2.0", method, params: notificationParams }) });
    const stopLogs = meta[META.logLevel] !== undefined && sse ? this.relayLogs(session, String(meta[META.logLevel]), notify) : undefined;
    const work = this.run(session, request, message, params, meta, (progress) => notify("notifications/progress", progress)).finally(() =>
      stopLogs?.(),
    );
    if (!sse) return work;
    // Closing the response stream is the cancellation (2026-07-28): the request's signal reaches the server.
    void work.then(async (response) => {
      sse.send({ event: "message", data: await response.text() });
      sse.close();
    });
    return sse.response;
  }

  private async run(
    session: Session,
    request: Request,
    message: JsonRpcRequest,
    params: Record<string, unknown>,
    meta: Record<string, unknown>,
    onProgress: (progress: Record<string, unknown>) => void,
  ): Promise<Response> {
    try {
      if (session.era === "modern") {
        // Same era on both sides: the client's envelope (its capabilities) goes through, input_required comes back as is.
        const result = await session.request(message.method, params, { signal: request.signal, onProgress, caller: callerOf(request) });
        return json({ jsonrpc: "2.0", id: message.id, result });
      }
      const capabilities = meta[META.clientCapabilities] as Record<string, unknown>;
      const outcome = await this.parked.run(session, request.signal, message.method, params, capabilities, onProgress, callerOf(request));
      if (outcome.kind === "error") throw outcome.error;
      if (outcome.kind === "result")
        return json({ jsonrpc: "2.0", id: message.id, result: toModernResult(message.method, outcome.result, session.identity!) });
      return json({ jsonrpc: "2.0", id: message.id, result: outcome.result });
    } catch (error) {
      reportMasked(this.log, error, { session_id: session.id, method: message.method });
      return errorReply(message.id, error);
    }
  }

  /** Request-scoped logging: a legacy server's log messages go to the requests that asked for them (logLevel). */
  private relayLogs(session: Session, level: string, notify: (method: string, params: unknown) => void): () => void {
    const floor = LOG_LEVELS.indexOf(level);
    return session.events.subscribe((event) => {
      const data = event.data as { method?: string; params?: { level?: string } };
      if (event.kind !== "notification" || data.method !== "notifications/message") return;
      if (LOG_LEVELS.indexOf(data.params?.level ?? "info") >= floor) notify(data.method, data.params);
    });
  }

  /** subscriptions/listen: an SSE stream of the list changes and resource updates the client opted in to. */
  private listen(session: Session, request: Request, message: JsonRpcRequest): Response {
    const params = (message.params ?? {}) as Record<string, unknown>;
    const filter = (params.notifications ?? {}) as {
      toolsListChanged?: boolean;
      promptsListChanged?: boolean;
      resourcesListChanged?: boolean;
      resourceSubscriptions?: string[];
    };
    const subscriptionId: JsonRpcId = message.id;
    const sse = new SseStream({ keepAliveMs: this.settings.keepAliveMs, maxQueuedBytes: this.settings.maxQueuedBytes }).bindTo(
      request.signal,
    );
    const send = (method: string, body: Record<string, unknown>) =>
      sse.send({
        event: "message",
        data: JSON.stringify({ jsonrpc: "2.0", method, params: { ...body, _meta: { [META.subscriptionId]: subscriptionId } } }),
      });
    // A URI the access rules keep from this caller is not listened to for it: the station itself subscribes below.
    const caller = callerOf(request);
    const uris = new Set((filter.resourceSubscriptions ?? []).filter((uri) => session.mayReadResource(String(uri), caller)));
    const acknowledged = filter.resourceSubscriptions ? { ...filter, resourceSubscriptions: [...uris] } : filter;
    send("notifications/subscriptions/acknowledged", { notifications: acknowledged });
    const releases: (() => void)[] = [];
    if (session.era === "legacy") {
      const subscribe = (session.identity?.capabilities.resources as { subscribe?: boolean } | undefined)?.subscribe;
      if (subscribe) for (const uri of uris) session.request("resources/subscribe", { uri }).catch(() => {});
    } else {
      // A modern server sends a URI's updates only on a listen asking for it: the session keeps one per URI while watched.
      for (const uri of uris) releases.push(session.watchResource(uri));
    }
    const wanted: Record<string, boolean | undefined> = {
      "notifications/tools/list_changed": filter.toolsListChanged,
      "notifications/prompts/list_changed": filter.promptsListChanged,
      "notifications/resources/list_changed": filter.resourcesListChanged,
    };
    const unsubscribe = session.events.subscribe((event) => {
      if (event.kind === "status" && isTerminal((event.data as { status: Session["status"] }).status))
        return endWhenGone(session, () => sse.close());
      if (event.kind !== "notification") return;
      const data = event.data as { method: string; params?: Record<string, unknown> };
      const { _meta: _ignored, ...body } = data.params ?? {};
      if (wanted[data.method]) send(data.method, body);
      else if (data.method === "notifications/resources/updated" && uris.has(String(body.uri))) send(data.method, body);
    });
    sse.onClose(() => {
      unsubscribe();
      for (const release of releases) release();
    });
    return sse.response;
  }
}
