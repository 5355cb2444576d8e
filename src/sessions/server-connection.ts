/**
 * One run of a session's server: the child process joined to a fresh
 * JSON-RPC connection (its own ids and framing state, so nothing of an
 * earlier run answers this one), every write to it guarded and metered, and
 * the requests sent on it with their deadline and their caller's
 * cancellation. A restart makes a new one; the session outlives them all.
 *
 * @example
 *   const connection = new ServerConnection(launch, settings, handlers, log, sessionId);
 *   await connection.request("tools/list", {}, { timeoutMs: 30_000 }, {});
 */
import type { Caller } from "../security/caller.ts";
import { RemoteError, RequestCancelled, ServerExited, TooManyRequests } from "../errors.ts";
import { type JsonRpcNotification, type JsonRpcRequest, isFailure } from "../jsonrpc/messages.ts";
import { JsonRpcPeer } from "../jsonrpc/peer.ts";
import type { Logger } from "../log.ts";
import type { ServerLink } from "../process/server-link.ts";
import { type SpawnSpec, spawnServer } from "../process/spawn.ts";
import { type RemoteSpec, connectRemote } from "../remote/connect.ts";
import type { StderrLine } from "../process/stderr-log.ts";
import { exitAfterWriteFailure } from "./exit-report.ts";
import { type ProgressListener, ProgressRoutes, wantsProgress } from "./progress-routes.ts";
import { endRoundTrip, noteRequestId, startRoundTrip } from "../tracing/round-trip.ts";
import { withTraceMeta } from "../tracing/trace-meta.ts";
import type { RequestClock, SessionMeters } from "./session-meters.ts";

/** What the session does with what the server sends besides answers. */
export interface ConnectionHandlers {
  /** A request from the server to its client; return the result or throw a RemoteError. */
  onRequest(request: JsonRpcRequest): unknown | Promise<unknown>;
  /** A notification; the progress of a caller's request comes with the caller's own token back. */
  onNotification(method: string, params: Record<string, unknown> | undefined): void;
  onStderr(line: StderrLine): void;
  /** A caller's request ended (answered, failed or withdrawn): activity, for the idle sweeper. */
  onSettled(): void;
}

export interface ConnectionSettings {
  maxMessageBytes: number;
  requestTimeoutMs: number;
  maxRequestTimeoutMs: number;
  /** Requests waiting on this server at once; past it, TooManyRequests. 0 or unset: no limit. */
  maxInFlightPerSession?: number;
  /** The server's meters (bytes each way, each request's time in the server); none without metrics. */
  meters?: SessionMeters;
}

export interface RequestOptions {
  /** The caller's deadline, within the station's maximum; the station's default when unset. */
  timeoutMs?: number;
  /** Called with each notifications/progress the server sends for this request. */
  onProgress?: ProgressListener;
  /** Aborting it withdraws the request: the caller gets RequestCancelled, the server notifications/cancelled. */
  signal?: AbortSignal;
  /** The caller writes the result out as JSON and never looks inside: a large one may come back as RawJson, unparsed. */
  raw?: boolean;
  /**
   * Who asks: the access rules (SessionSettings.access) decide which tools it sees in tools/list and may
   * call. Every channel passes its caller; the station's own requests (its tool cache) pass none.
   */
  caller?: Caller;
}

export class ServerConnection {
  readonly peer: JsonRpcPeer;
  /** The server: a child process on stdio, or a remote one over Streamable HTTP. */
  readonly child: ServerLink;
  private readonly progress = new ProgressRoutes();
  /** When the server's stdout last gave a chunk (kept with meters only): an answer's arrival. */
  private readAt = 0;

  /**
   * Spawns the server (SpawnFailed when it cannot start at all), or opens the link to a remote one. `ownPending` counts the requests that are
   * the station's own (its listens), which no caller waits for.
   */
  constructor(
    launch: SpawnSpec | RemoteSpec,
    private readonly settings: ConnectionSettings,
    private readonly handlers: ConnectionHandlers,
    log: Logger,
    private readonly sessionId: string,
    private readonly ownPending: () => number,
  ) {
    const meters = settings.meters;
    this.peer = new JsonRpcPeer(
      (data) => {
        // spawn.ts throws ServerExited when the pipe is broken.
        this.child.write(data);
        meters?.bytesToServer(Buffer.byteLength(data));
      },
      {
        onRequest: handlers.onRequest,
        onNotification: (notification) => this.receive(notification, handlers),
        onInvalidLine: (line, reason) =>
          log.warn("server wrote a line that is not JSON-RPC; skipped", {
            session_id: sessionId,
            reason,
            line: line.length > 200 ? `${line.slice(0, 200)}…` : line,
          }),
        onUnmatchedResponse: (response) =>
          log.debug("response for no pending request (late or cancelled)", { session_id: sessionId, id: response.id }),
        onOversized: (info, id) => log.warn("server message over the size cap; dropped", { session_id: sessionId, bytes: info.bytes, id }),
      },
      // spawn.ts's pump hands over each chunk Bun's reader gave it (a fresh buffer per read) and keeps none.
      { maxMessageBytes: settings.maxMessageBytes, ownsChunks: true },
    );
    const peer = this.peer;
    const stdout = (chunk: Uint8Array) => {
      if (meters) {
        meters.bytesFromServer(chunk.byteLength);
        this.readAt = performance.now();
      }
      peer.push(chunk);
    };
    this.child =
      "url" in launch
        ? connectRemote(launch, {
            stdout,
            stderrLine: handlers.onStderr,
            failRequest: (id, error) => typeof id === "number" && peer.correlator.fail(id, error),
          })
        : spawnServer(launch, { stdout, stderrLine: handlers.onStderr });
  }

  /** Callers' requests waiting on the server (the station's own listens are not counted). */
  get inFlight(): number {
    return this.peer.correlator.size - this.ownPending();
  }

  /**
   * Sends one request and returns its result. A JSON-RPC error from the server is thrown as RemoteError.
   * `clock` (with meters) is given the time the server held the request.
   */
  async request(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
    clock?: RequestClock,
  ): Promise<unknown> {
    const { peer, child, progress, settings } = this;
    if (options.signal?.aborted) throw new RequestCancelled(`${method} was cancelled by its caller`);
    const maxInFlight = settings.maxInFlightPerSession ?? 0;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) {
      const error = new TooManyRequests(
        `session ${this.sessionId} has ${maxInFlight} requests in flight (MCP_STATION_MAX_IN_FLIGHT_PER_SESSION)`,
        {
          session_id: this.sessionId,
          max_in_flight: maxInFlight,
        },
      );
      error.headers = { "retry-after": "1" };
      throw error;
    }
    const deadline = {
      timeoutMs: Math.min(options.timeoutMs ?? settings.requestTimeoutMs, settings.maxRequestTimeoutMs),
      maxMs: settings.maxRequestTimeoutMs,
    };
    // The round trip's span (tracing on only) goes to the server in params._meta, so it joins the trace.
    const trip = startRoundTrip(method, params, this.sessionId);
    const sending = trip ? withTraceMeta(params, trip.context) : params;
    let progressId: number | undefined;
    const build = wantsProgress(method, sending)
      ? (id: number) => {
          progressId = id;
          return progress.open(id, sending, options.onProgress);
        }
      : sending;
    const sent = peer.request(method, build, deadline, { raw: options.raw });
    noteRequestId(trip, sent.id);
    const writtenAt = clock ? performance.now() : 0;
    const onAbort = () => peer.cancel(sent.id, new RequestCancelled(`${method} was cancelled by its caller`), "cancelled by the caller");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await sent.response;
      // Its chunk was read before this continuation ran: the server's part ends then, not now.
      if (clock) clock.serverMs += this.readAt - writtenAt;
      if (isFailure(response)) throw new RemoteError(response.error.code, response.error.message, response.error.data);
      endRoundTrip(trip, undefined, response.result);
      return response.result;
    } catch (error) {
      endRoundTrip(trip, error);
      // Unanswered (deadline, exit, cancel): the server held it until now. A RemoteError was answered, and counted.
      if (clock && !(error instanceof RemoteError)) clock.serverMs += performance.now() - writtenAt;
      // Only a failed write ends a request with ServerExited before the exit is known (the exit handler fails the rest).
      if (error instanceof ServerExited && child.running) throw await exitAfterWriteFailure(child, error, deadline.timeoutMs);
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      if (progressId !== undefined) progress.close(progressId);
      this.handlers.onSettled();
    }
  }

  /** Sends `method` to learn whether the server answers: resolves on any answer, even an error; not a caller's request. */
  async probe(method: string, params: Record<string, unknown> | undefined, timeoutMs: number): Promise<void> {
    await this.peer.request(method, params, { timeoutMs, maxMs: timeoutMs }).response;
  }

  /** Sends a notification; nothing waits for an answer. */
  notify(method: string, params: Record<string, unknown> | undefined): void {
    try {
      this.peer.notify(method, params);
    } catch (error) {
      throw new ServerExited(`the server is gone: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /** The server exited: every request still waiting fails with `error`. */
  close(error: Error): void {
    this.peer.close(error);
  }

  private receive(notification: JsonRpcNotification, handlers: ConnectionHandlers): void {
    const params = notification.params as Record<string, unknown> | undefined;
    if (notification.method === "notifications/progress" && params) {
      const restored = this.progress.route(params);
      if (restored) {
        // Progress shows the request is alive: its deadline moves back, within its maximum.
        this.peer.correlator.extend(params.progressToken as number);
        handlers.onNotification(notification.method, restored);
        return;
      }
    }
    handlers.onNotification(notification.method, params);
  }
}
