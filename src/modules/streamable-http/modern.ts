/**
 * Streamable HTTP for modern clients (2026-07-28): stateless requests with
 * the `_meta` envelope, the routing headers checked against the body,
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
import { randomBytes } from "node:crypto";
import { HeaderMismatch, InvalidParams, MethodNotFound, RemoteError, RpcCode, UnsupportedProtocolVersion } from "../../errors.ts";
import type { JsonRpcId, JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Logger } from "../../log.ts";
import { discoverResultFor, headerMismatch, toModernResult, withoutModernMeta } from "../../protocol/bridge.ts";
import { META, MODERN_VERSIONS, isModernVersion } from "../../protocol/versions.ts";
import { type Session, isTerminal } from "../../sessions/session.ts";
import { CAPABILITY_OF, type LiveClient, declares } from "../../sessions/client-hub.ts";
import { reportMasked } from "../../http/masked-errors.ts";
import { endWhenGone, serverRunning } from "../../http/restart-wait.ts";
import { SseStream, acceptsEventStream } from "../../http/sse.ts";
import type { EndpointSettings } from "./legacy.ts";
import { inputKey } from "../../protocol/input-keys.ts";
import { errorReply, gateReply, json } from "./replies.ts";

/** Methods 2026-07-28 removed; a modern client asking for them gets "method not found" as the spec's 404. */
const REMOVED = new Set(["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"]);
const LOG_LEVELS = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

/** A legacy server's call waiting for the client's input (the server asked for sampling, elicitation or roots). */
interface ParkedCall {
  session: Session;
  outcome: Promise<Outcome>;
  questions: Map<string, (answer: unknown, error?: RemoteError) => void>;
  nextInput: () => Promise<Outcome>;
  controller: AbortController;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

type Outcome =
  | { kind: "result"; result: unknown }
  | { kind: "error"; error: unknown }
  | { kind: "input"; requests: Record<string, { method: string; params: unknown }> };

export class ModernEndpoint {
  private readonly parked = new Map<string, ParkedCall>();

  constructor(
    private readonly settings: EndpointSettings,
    private readonly log: Logger,
  ) {}

  /** The session a parked call runs on: a retry must reach the same process (registry pools). */
  sessionOfState(requestState: unknown): Session | undefined {
    return typeof requestState === "string" ? this.parked.get(requestState)?.session : undefined;
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
        const result = await session.request(message.method, params, { signal: request.signal, onProgress });
        return json({ jsonrpc: "2.0", id: message.id, result });
      }
      const outcome = await this.bridged(session, request, message.method, params, meta, onProgress);
      if (outcome.kind === "error") throw outcome.error;
      if (outcome.kind === "result")
        return json({ jsonrpc: "2.0", id: message.id, result: toModernResult(message.method, outcome.result, session.identity!) });
      return json({ jsonrpc: "2.0", id: message.id, result: outcome.result });
    } catch (error) {
      reportMasked(this.log, error, { session_id: session.id, method: message.method });
      return errorReply(message.id, error);
    }
  }

  /** A modern client's request to a legacy server: a new call, or the retry of a parked one. */
  private async bridged(
    session: Session,
    request: Request,
    method: string,
    params: Record<string, unknown>,
    meta: Record<string, unknown>,
    onProgress: (progress: Record<string, unknown>) => void,
  ): Promise<
    { kind: "result"; result: unknown } | { kind: "error"; error: unknown } | { kind: "input_required"; result: Record<string, unknown> }
  > {
    const { inputResponses, requestState, ...rest } = params;
    let call: ParkedCall;
    let outcome: Promise<Outcome>;
    if (requestState !== undefined) {
      const found = typeof requestState === "string" ? this.parked.get(requestState) : undefined;
      if (!found || found.session !== session) throw new RemoteError(RpcCode.InvalidParams, "Invalid or expired requestState");
      this.parked.delete(requestState as string);
      if (found.expiry) clearTimeout(found.expiry);
      call = found;
      // Wait for what comes next before answering the questions, so nothing the server says is missed.
      outcome = Promise.race([call.outcome, call.nextInput()]);
      for (const [key, answer] of Object.entries((inputResponses ?? {}) as Record<string, unknown>)) {
        const resolve = call.questions.get(key);
        call.questions.delete(key);
        resolve?.(answer);
      }
    } else {
      call = this.startCall(session, method, withoutModernMeta(rest), meta, onProgress);
      outcome = Promise.race([call.outcome, call.nextInput()]);
    }
    // While this HTTP request is open, the client hanging up withdraws the call.
    const onAbort = () => call.controller.abort();
    request.signal.addEventListener("abort", onAbort, { once: true });
    try {
      const next = await outcome;
      if (next.kind !== "input") return next;
      const token = randomBytes(18).toString("base64url");
      this.parked.set(token, call);
      call.expiry = setTimeout(() => this.expire(token), this.settings.inputWaitMs);
      return { kind: "input_required", result: { resultType: "input_required", inputRequests: next.requests, requestState: token } };
    } finally {
      request.signal.removeEventListener("abort", onAbort);
    }
  }

  private startCall(
    session: Session,
    method: string,
    params: Record<string, unknown> | undefined,
    meta: Record<string, unknown>,
    onProgress: (progress: Record<string, unknown>) => void,
  ): ParkedCall {
    const capabilities = meta[META.clientCapabilities] as Record<string, unknown>;
    const controller = new AbortController();
    const questions = new Map<string, (answer: unknown, error?: RemoteError) => void>();
    let waiting: ((outcome: Outcome) => void) | undefined;
    // Questions the server asked while no HTTP request was waiting (between input_required and the retry).
    let ready: Outcome | undefined;
    let pendingRequests: Record<string, { method: string; params: unknown }> = {};
    let _flush: ReturnType<typeof setTimeout> | undefined;
    const startedAt = Date.now();
    // The server's requests while this call runs come here, when the client declared the capability in this request.
    const asker: LiveClient = {
      lastActiveAt: startedAt,
      // Sampling and elicitation are taken even when undeclared: the exact 2026 answer is MissingRequiredClientCapability, below.
      // roots/list undeclared falls through to the session's own roots.
      accepts: (m) =>
        !controller.signal.aborted && (declares(capabilities, m) || m === "sampling/createMessage" || m === "elicitation/create"),
      busySince: () => startedAt,
      ask: (serverRequest) => {
        if (!declares(capabilities, serverRequest.method)) {
          const needed = CAPABILITY_OF[serverRequest.method];
          // A RemoteError, not a ProtocolError: it is also the answer to the server's request, which travels as it is.
          const missing = new RemoteError(RpcCode.MissingRequiredClientCapability, `Missing required client capability: ${needed}`, {
            requiredCapabilities: { [needed]: {} },
          });
          if (waiting) waiting({ kind: "error", error: missing });
          else ready = { kind: "error", error: missing };
          waiting = undefined;
          controller.abort();
          return Promise.reject(missing);
        }
        // Named after the server's own request: its JSON-RPC id, the one name a legacy server gives it.
        const key = inputKey(serverRequest.id, (taken) => taken in pendingRequests || questions.has(taken));
        pendingRequests[key] = { method: serverRequest.method, params: serverRequest.params ?? {} };
        // Requests that arrive together go out in one input_required result.
        _flush ??= setTimeout(() => {
          _flush = undefined;
          const requests = pendingRequests;
          pendingRequests = {};
          if (waiting) waiting({ kind: "input", requests });
          else ready = { kind: "input", requests: { ...(ready?.kind === "input" ? ready.requests : {}), ...requests } };
          waiting = undefined;
        }, 5);
        return new Promise((resolve, reject) => {
          questions.set(key, (answer, error) => (error ? reject(error) : resolve(answer)));
        });
      },
    };
    const detach = session.clients.attach(asker);
    const outcome: Promise<Outcome> = session
      .request(method, params, { signal: controller.signal, onProgress: (p) => onProgress(p) })
      .then(
        (result): Outcome => ({ kind: "result", result }),
        (error): Outcome => ({ kind: "error", error }),
      )
      .finally(() => {
        detach();
        for (const resolve of questions.values()) resolve(undefined, new RemoteError(RpcCode.InternalError, "the request ended"));
      });
    return {
      session,
      outcome,
      questions,
      controller,
      expiry: undefined,
      nextInput: () => {
        const now = ready;
        ready = undefined;
        return now ? Promise.resolve(now) : new Promise<Outcome>((resolve) => (waiting = resolve));
      },
    };
  }

  /** The client never retried: the server's questions get an error, and the call is withdrawn. */
  private expire(token: string): void {
    const call = this.parked.get(token);
    if (!call) return;
    this.parked.delete(token);
    for (const resolve of call.questions.values())
      resolve(undefined, new RemoteError(RpcCode.InternalError, "the client did not answer the input request in time"));
    call.controller.abort();
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
    send("notifications/subscriptions/acknowledged", { notifications: filter });
    const uris = new Set(filter.resourceSubscriptions ?? []);
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
