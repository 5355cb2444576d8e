/**
 * A remote MCP server reached over Streamable HTTP, presented as the same
 * ServerLink a child process is: the session's JSON-RPC peer writes lines and
 * reads lines, and never learns that each line it writes became a POST and
 * each message the server sent came back in a JSON body or an SSE event.
 *
 * Both protocol eras ride on it unchanged, because the era is in the
 * messages: a request whose `_meta` names 2026-07-28 goes out with the
 * MCP-Protocol-Version, Mcp-Method and Mcp-Name headers that revision
 * requires of a client (stateless: no session id); a legacy `initialize`
 * answered with an Mcp-Session-Id opens a stateful session, whose id and
 * negotiated version go on every later POST, and whose server-to-client
 * messages arrive on a standing GET stream. Ending the link ends the session
 * (DELETE), as closing stdin does for a process.
 *
 * A legacy server's SSE answer that breaks off is resumed with GET and
 * Last-Event-ID when the server gave its events ids (answer-stream.ts).
 *
 * What would be a crash for a process is an end of the link here: the server
 * cannot be reached, it forgot the session (404), or an answer's stream broke
 * off and could not be resumed. The session's restart policy then reconnects
 * with its backoff. A refusal of one request (401, 403, another HTTP error)
 * fails that request with RemoteRefused and keeps the link. Each such event is
 * written to the link's log, which callers see where they would see a
 * process's stderr.
 *
 * @example
 *   const link = new StreamableHttpLink({ url: "https://mcp.example.com/mcp", headers: { authorization: "Bearer …" }, stderrBytes: 65536 },
 *     { stdout: (chunk) => peer.push(chunk), failRequest: (id, error) => peer.correlator.fail(id, error) });
 */
import { RemoteRefused } from "../errors.ts";
import type { ExitInfo, StopTimings } from "../process/server-link.ts";
import { readAnswer } from "./answer-stream.ts";
import { type Outgoing, RemoteLinkBase, describeRefusal, jsonRpcError } from "./link-base.ts";
import { type SseCursor, sseEvents } from "./sse-events.ts";
import { modernHeaders } from "./modern-headers.ts";
import { ToolParamHeaders } from "./tool-param-headers.ts";

/** How long the standing GET stream waits before it is opened again after it ended, and at most. */
const LISTEN_RETRY_MS = 500;
const LISTEN_RETRY_MAX_MS = 10_000;

export class StreamableHttpLink extends RemoteLinkBase {
  /** The legacy session the server opened at initialize, and the version it chose. */
  private sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private readonly inFlight = new Map<number | string, AbortController>();
  private readonly toolHeaders = new ToolParamHeaders();
  private ownIds = 0;
  private stopping: Promise<ExitInfo> | undefined;

  protected send(message: Outgoing, line: string): void {
    this.post(message, line).catch((error: unknown) => {
      // A failure of the station's own (not the network's): the request fails now rather than waiting out its deadline.
      this.note(`${message.method ?? "a response"} could not be sent: ${(error as Error).message}`);
      if (message.id !== undefined && message.id !== null && message.method !== undefined)
        this.callbacks.failRequest(message.id, error as Error);
    });
  }

  stop(timings: StopTimings): Promise<ExitInfo> {
    this.stopping ??= this.endSession(timings.graceMs);
    return this.stopping;
  }

  private async endSession(graceMs: number): Promise<ExitInfo> {
    if (this.running && this.sessionId) {
      // The transport's own shutdown: the server may free the session now instead of at its timeout.
      const signal = AbortSignal.timeout(Math.max(1, graceMs));
      try {
        await this.authorizedFetch(this.spec.url, { method: "DELETE", headers: this.headers(), signal });
      } catch {
        // Unreachable or slow: the server forgets the session by its own timeout.
      }
    }
    this.end({ code: 0, signal: null, reason: `disconnected from ${this.spec.url}` });
    return this.exit!;
  }

  private headers(): Headers {
    const headers = new Headers(this.spec.headers);
    if (this.sessionId) headers.set("mcp-session-id", this.sessionId);
    if (this.protocolVersion) headers.set("mcp-protocol-version", this.protocolVersion);
    return headers;
  }

  private async post(message: Outgoing, body: string): Promise<void> {
    const isRequest = message.method !== undefined && message.id !== undefined && message.id !== null;
    if (message.method === "notifications/cancelled") this.inFlight.get(message.params?.requestId as number)?.abort();
    // Known from the start, so a cancel that comes while the call waits for its tools list still reaches it.
    const controller = new AbortController();
    const signal = AbortSignal.any([controller.signal, this.ending.signal]);
    if (isRequest) this.inFlight.set(message.id!, controller);
    const headers = this.headers();
    headers.set("content-type", "application/json");
    headers.set("accept", "application/json, text/event-stream");
    if (message.method === "initialize") headers.delete("mcp-session-id");
    const modern = modernHeaders(message.method, message.params);
    for (const [name, value] of Object.entries(modern)) headers.set(name, value);
    if (message.method === "tools/call" && modern["mcp-protocol-version"]) {
      if (this.toolHeaders.stale) await this.listTools(message.params?._meta);
      for (const [name, value] of Object.entries(this.toolHeaders.headersFor(message.params?.name, message.params?.arguments))) {
        headers.set(name, value);
      }
    }
    this.toolHeaders.sent(message);
    try {
      const response = await this.authorizedFetch(this.spec.url, { method: "POST", headers, body, signal });
      if (message.method === "initialize" && response.ok) this.sessionId = response.headers.get("mcp-session-id") ?? undefined;
      if (!response.ok) return await this.refused(response, message);
      if (response.status === 202 || !isRequest) {
        await response.body?.cancel();
        if (message.method === "notifications/initialized" && this.sessionId) void this.listen();
        return;
      }
      // A 2026-07-28 request (its headers name the version) has no resumable streams; a legacy one may.
      await this.receive(response, message, signal, modern["mcp-protocol-version"] === undefined);
    } catch (error) {
      if (signal.aborted || this.noToken(error, message)) return;
      this.unreachable(error);
    } finally {
      if (isRequest) this.inFlight.delete(message.id!);
    }
  }

  /**
   * The answer to a request: one JSON message (or a batch), or an SSE stream of messages ending with it, which is
   * resumed if it ends first (answer-stream.ts). A stream that cannot be resumed ends the link, as a server that
   * cannot be reached does, saying why: the answer is lost, and the POST is not sent again.
   */
  private async receive(response: Response, message: Outgoing, signal: AbortSignal, resumable: boolean): Promise<void> {
    const initialize = message.method === "initialize";
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    if (!type.startsWith("text/event-stream")) {
      const text = await response.text();
      if (text.trim() !== "") this.deliver(text, initialize);
      return;
    }
    const outcome = await readAnswer({
      body: response.body!,
      resumable,
      signal,
      id: message.id!,
      deliver: (data) => this.deliver(data, initialize),
      reopen: (lastEventId) => this.openStream(lastEventId, signal),
      note: (text) => this.note(`${message.method}: ${text}`),
    });
    if (outcome.kind === "forgotten") this.forgotten();
    else if (outcome.kind === "ended") {
      // A 2026-07-28 answer comes on its POST's stream or not at all: nothing is left to wait for.
      const why = `the remote server at ${this.spec.url} closed the response stream of ${message.method} without its answer`;
      this.note(why);
      this.callbacks.failRequest(message.id!, new RemoteRefused(why, { url: this.spec.url }));
    } else if (outcome.kind === "lost") {
      this.end({
        code: 1,
        signal: null,
        reason: `the response stream of ${message.method} from the remote server at ${this.spec.url} ${outcome.cut}, and could not be resumed: ${outcome.why}`,
      });
    }
  }

  /** Hands on the messages of one body or event; returns them. */
  private deliver(text: string, initialize: boolean): unknown[] {
    const messages = this.parse(text);
    for (const message of messages) {
      const result = (message as { result?: { protocolVersion?: unknown } }).result;
      if (initialize && typeof result?.protocolVersion === "string") this.protocolVersion = result.protocolVersion;
      this.toolHeaders.received(message as Record<string, unknown>);
      this.emit(message);
    }
    return messages;
  }

  /** The server answered 404 to the session's id: it ended the session, so the link ends. */
  private forgotten(): void {
    this.end({ code: 1, signal: null, reason: `the remote server at ${this.spec.url} no longer knows session ${this.sessionId} (404)` });
  }

  /** An HTTP error. The session forgot is the link's end; anything else is this request's failure. */
  private async refused(response: Response, message: Outgoing): Promise<void> {
    const text = (await response.text().catch(() => "")).trim();
    if (response.status === 404 && this.sessionId && message.method !== "initialize") {
      this.forgotten();
      return;
    }
    const what = message.method ?? "a response";
    const why = describeRefusal(response, this.spec.url, this.spec.oauth !== undefined);
    this.note(`${what}: ${why}${text ? `: ${text.slice(0, 500)}` : ""}`);
    if (message.id === undefined || message.id === null || message.method === undefined) return;
    // A 2026-07-28 server answers some JSON-RPC errors with a 4xx status (HeaderMismatch, UnsupportedProtocolVersion): those are its answer.
    const answer = jsonRpcError(text, message.id);
    if (answer) {
      this.emit(answer);
      return;
    }
    this.callbacks.failRequest(
      message.id,
      new RemoteRefused(`${what} was refused by the remote server: ${why}`, {
        status: response.status,
        url: this.spec.url,
        body: text.slice(0, 500),
      }),
    );
  }

  /**
   * The link's own tools/list (every page), to learn which parameters a call must mirror into headers before
   * the first call, when no list has passed through yet. A failure leaves the call to go without them: the
   * server's HeaderMismatch then reaches the caller as the server's answer.
   */
  private async listTools(meta: unknown): Promise<void> {
    let cursor: string | undefined;
    try {
      for (let page = 0; page < 100; page++) {
        const params: Record<string, unknown> = { _meta: meta, ...(cursor === undefined ? {} : { cursor }) };
        const id = `mcp-station-link-${++this.ownIds}`;
        const headers = this.headers();
        headers.set("content-type", "application/json");
        headers.set("accept", "application/json, text/event-stream");
        for (const [name, value] of Object.entries(modernHeaders("tools/list", params))) headers.set(name, value);
        const response = await this.authorizedFetch(this.spec.url, {
          method: "POST",
          headers,
          body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/list", params }),
          signal: this.ending.signal,
        });
        if (!response.ok) {
          await response.body?.cancel();
          return;
        }
        const answer = (await this.collect(response)).find((message) => (message as { id?: unknown }).id === id) as
          | { result?: { tools?: unknown; nextCursor?: unknown } }
          | undefined;
        if (!Array.isArray(answer?.result?.tools)) return;
        this.toolHeaders.record(answer.result.tools);
        if (typeof answer.result.nextCursor !== "string") return;
        cursor = answer.result.nextCursor;
      }
    } catch (error) {
      this.note(`tools/list for the Mcp-Param headers failed: ${(error as Error).message}`);
    }
  }

  /** Every JSON-RPC message of a response body, JSON or SSE, read to its end. */
  private async collect(response: Response): Promise<unknown[]> {
    const messages: unknown[] = [];
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    const texts: string[] = [];
    if (type.startsWith("text/event-stream")) {
      for await (const event of sseEvents(response.body!, this.ending.signal)) if (event.event === "message") texts.push(event.data);
    } else texts.push(await response.text());
    for (const text of texts) {
      try {
        const value = JSON.parse(text);
        messages.push(...(Array.isArray(value) ? value : [value]));
      } catch {
        // Not JSON: nothing to learn from it.
      }
    }
    return messages;
  }

  /**
   * A GET on the endpoint: the session's standing stream, or with `lastEventId` a stream that broke there, resumed
   * (the server replays what it sent on that stream after that event, and goes on).
   */
  private openStream(lastEventId: string | undefined, signal: AbortSignal): Promise<Response> {
    const headers = this.headers();
    headers.set("accept", "text/event-stream");
    if (lastEventId) headers.set("last-event-id", lastEventId);
    return this.authorizedFetch(this.spec.url, { method: "GET", headers, signal });
  }

  /** A legacy session's standing GET stream, where the server sends what is not an answer to a POST. */
  private async listen(): Promise<void> {
    let delay = LISTEN_RETRY_MS;
    const cursor: SseCursor = {};
    while (this.running) {
      let response: Response;
      try {
        response = await this.openStream(cursor.lastEventId, this.ending.signal);
      } catch (error) {
        if (this.running && this.noToken(error, { method: "GET stream" })) {
          // No token to be had for now: the stream is asked for again later, as after any refusal.
          delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
          await Bun.sleep(delay);
          continue;
        }
        if (this.running)
          this.end({ code: 1, signal: null, reason: `the remote server at ${this.spec.url} is unreachable: ${(error as Error).message}` });
        return;
      }
      // 405: the server offers no such stream, which the transport allows.
      if (response.status === 405) return;
      if (response.status === 404) {
        this.forgotten();
        return;
      }
      if (response.ok && response.body) {
        try {
          for await (const event of sseEvents(response.body, this.ending.signal, cursor)) {
            if (event.event === "message" && event.data.trim() !== "") this.deliver(event.data, false);
          }
          delay = LISTEN_RETRY_MS;
        } catch {
          // The stream broke; it is opened again below, and a server that is gone ends the link there.
        }
      } else {
        this.note(`GET stream: ${describeRefusal(response, this.spec.url, this.spec.oauth !== undefined)}`);
        await response.body?.cancel();
        delay = Math.min(delay * 2, LISTEN_RETRY_MAX_MS);
      }
      // Never sooner than the server's retry time asks.
      if (this.running) await Bun.sleep(Math.max(delay, cursor.retryMs ?? 0));
    }
  }
}
