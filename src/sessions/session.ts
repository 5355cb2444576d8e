/**
 * A session joins one server process to one JSON-RPC connection and owns its
 * state machine: starting -> running -> stopping -> exited. Any number of
 * callers share it; the station's own ids on the stdio stream keep their
 * answers apart.
 */
import { RemoteError, ServerExited, RequestCancelled, RequestTimeout, SessionNotRunning, StartFailed, TooManyRequests } from "../errors.ts";
import { ErrorCode, type JsonRpcNotification, isFailure } from "../jsonrpc/messages.ts";
import { JsonRpcPeer } from "../jsonrpc/peer.ts";
import type { Logger } from "../log.ts";
import { type ClientRequestForwarder, type Root, answerClientRequest, declaredCapabilities } from "../protocol/client-requests.ts";
import {
  type Implementation,
  type ServerIdentity,
  asDiscoverResult,
  asInitializeResult,
  handshake,
  modernEnvelope,
} from "../protocol/handshake.ts";
import { type Era, META } from "../protocol/versions.ts";
import { type ExitInfo, type ServerProcess, spawnServer } from "../process/spawn.ts";
import type { StderrLine } from "../process/stderr-log.ts";
import { stopProcessGroup } from "../process/stop.ts";
import { limitExitReason } from "../security/rlimits.ts";
import type { LaunchPlan, RestartPolicy, SessionRequest } from "./launch-request.ts";
import type { HealthCheck, SessionInfo, SessionStatus } from "./session-info.ts";
import { EventBuffer } from "./event-buffer.ts";
import { ServerListens, withoutSubscriptionId } from "./server-listen.ts";

export type { SessionStatus };

/** A server that takes requests: running, or running but missing its health checks (it may just be slow). */
export function isLive(status: SessionStatus): boolean {
  return status === "running" || status === "unresponsive";
}

/** No process and none coming: exited, or failed (could not be restored, or gave up restarting). */
export function isTerminal(status: SessionStatus): boolean {
  return status === "exited" || status === "failed";
}

/** What changed, for observers that keep a record of the session (the store). */
export type SessionChange = "status" | "spawned" | "roots";

/** Hot-path counters (src/metrics): plain calls, no allocation beyond the caller's. */
export interface SessionMeters {
  mcpRequest(method: string, error: unknown, seconds: number): void;
  bytesToServer(bytes: number): void;
  bytesFromServer(bytes: number): void;
  started(era: Era | undefined, spawnSeconds: number, handshakeSeconds: number, ok: boolean): void;
}

/** The planned launch (what runs, resolved under the command policy) and whose session it is. */
export interface SessionSpec extends LaunchPlan {
  roots: Root[];
  /** The tenant that created the session; only it (and admins) can see it. */
  owner?: string;
  /** The caller's request as sent, kept so that a restore plans the launch again under the current policy. */
  request?: SessionRequest;
  /**
   * Client capabilities declared to a legacy server at initialize besides roots, for a live
   * channel to honour (sampling, elicitation); with no live client attached, such requests get an error.
   */
  clientCapabilities?: { sampling?: boolean; elicitation?: boolean };
}

export interface SessionSettings {
  maxMessageBytes: number;
  stderrBytes: number;
  eventBufferSize: number;
  requestTimeoutMs: number;
  maxRequestTimeoutMs: number;
  startTimeoutMs: number;
  probeTimeoutMs: number;
  stopGraceMs: number;
  stopTermMs: number;
  clientInfo: Implementation;
  /** argv prefix that applies resource limits (prlimit ...), empty for none. */
  limitPrefix?: string[];
  /** Requests waiting on this server at once; past it, TooManyRequests. 0 or unset: no limit. */
  maxInFlightPerSession?: number;
  /** Metrics (src/metrics/station-metrics.ts); none in unit tests. */
  meters?: SessionMeters;
}

export interface RequestOptions {
  timeoutMs?: number;
  /** Called with each notifications/progress the server sends for this request. */
  onProgress?(params: Record<string, unknown>): void;
  /** Aborting it withdraws the request: the caller gets RequestCancelled, the server notifications/cancelled. */
  signal?: AbortSignal;
  /** The caller writes the result out as JSON and never looks inside: a large one may come back as RawJson, unparsed. */
  raw?: boolean;
}

/** Methods whose calls may run long enough to want progress (and so a deadline that progress extends). */
const PROGRESS_METHODS = new Set(["tools/call", "resources/read", "prompts/get", "completion/complete"]);

export class Session {
  status: SessionStatus = "starting";
  /** Set again when a warm process is handed over (warm-pool.ts): the session begins then. */
  createdAt = new Date();
  startedAt: Date | undefined;
  exitedAt: Date | undefined;
  exit: ExitInfo | undefined;
  crashed = false;
  identity: ServerIdentity | undefined;
  lastActivityAt = Date.now();
  requestsTotal = 0;
  readonly events: EventBuffer;
  roots: Root[];
  /** Set by a live channel (issue: live channels) to take sampling and elicitation. */
  forwardClientRequest: ClientRequestForwarder | undefined;

  private child: ServerProcess | undefined;
  private peer: JsonRpcPeer;
  /** The station's own subscriptions/listen to a 2026-07-28 server: its list changes and resource updates. */
  private readonly listens: ServerListens;
  private readonly progress = new Map<number, { callerToken: unknown; listener?: RequestOptions["onProgress"] }>();
  private logLevel: string | undefined;
  private stopping: Promise<void> | undefined;
  private readonly exitListeners = new Set<(session: Session) => void>();
  private readonly changeListeners = new Set<(session: Session, change: SessionChange) => void>();
  /** Set when this session came back after a station restart. */
  restoredAt: Date | undefined;
  /** Times the restart policy started the server again (src/sessions/restart.ts). */
  restarts = 0;
  /** The restart policy in force and, while restarting, when the next attempt is due. */
  restartPolicy: { policy: RestartPolicy; max_restarts: number } = { policy: "never", max_restarts: 0 };
  nextRestartAt: Date | undefined;
  /** Why the session failed (status failed): it could not be restored, or restarts gave up. */
  failureReason: string | undefined;
  health: HealthCheck | undefined;
  /** True from stop() until the next start(): the station was asked to end it, so no restart policy applies. */
  stopRequested = false;
  private cancelRestart: (() => void) | undefined;
  /** Live readers of stderr (SSE): kept apart from the event buffer so a stderr flood cannot evict notifications. */
  private readonly stderrListeners = new Set<(line: StderrLine) => void>();

  constructor(
    readonly id: string,
    readonly spec: SessionSpec,
    readonly argv: string[],
    private readonly settings: SessionSettings,
    private readonly log: Logger,
  ) {
    this.events = new EventBuffer(settings.eventBufferSize);
    this.roots = spec.roots;
    this.listens = new ServerListens((params) => this.envelope(params), log, id);
    this.peer = this.connect();
  }

  /** A fresh connection for a fresh child: every (re)start gets its own ids and framing state. */
  private connect(): JsonRpcPeer {
    return new JsonRpcPeer(
      (data) => {
        if (!this.child) throw new ServerExited("no server process");
        this.child.write(data);
        this.settings.meters?.bytesToServer(Buffer.byteLength(data));
      },
      {
        onRequest: (request) => {
          this.events.push("client_request", { method: request.method });
          return answerClientRequest(request, { roots: () => this.roots, forward: this.forwardClientRequest });
        },
        onNotification: (notification) => this.receiveNotification(notification),
        onInvalidLine: (line, reason) =>
          this.log.warn("server wrote a line that is not JSON-RPC; skipped", {
            session_id: this.id,
            reason,
            line: line.length > 200 ? `${line.slice(0, 200)}…` : line,
          }),
        onUnmatchedResponse: (response) =>
          this.log.debug("response for no pending request (late or cancelled)", { session_id: this.id, id: response.id }),
        onOversized: (info, id) =>
          this.log.warn("server message over the size cap; dropped", { session_id: this.id, bytes: info.bytes, id }),
      },
      // spawn.ts's pump hands over each chunk Bun's reader gave it (a fresh buffer per read) and keeps none.
      { maxMessageBytes: this.settings.maxMessageBytes, ownsChunks: true },
    );
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get era(): Era | undefined {
    return this.identity?.era;
  }

  /** Callers' requests waiting on the server (the station's own listens are not counted). */
  get inFlight(): number {
    return this.peer.correlator.size - this.listens.pending;
  }

  get stderr() {
    return this.child?.stderr;
  }

  onExit(listener: (session: Session) => void): void {
    this.exitListeners.add(listener);
  }

  /** Calls `listener` with each stderr line from now on; returns the unsubscribe function. */
  onStderr(listener: (line: StderrLine) => void): () => void {
    this.stderrListeners.add(listener);
    return () => this.stderrListeners.delete(listener);
  }

  /** Spawns the server and completes the MCP handshake. On failure nothing is left running. */
  async start(knownEra?: Era): Promise<void> {
    if (this.child?.running) throw new Error("start() while a server process is running");
    this.setStatus("starting");
    this.stopping = undefined;
    this.exit = undefined;
    this.exitedAt = undefined;
    this.crashed = false;
    const peer = this.connect();
    this.peer = peer;
    this.stopRequested = false;
    this.failureReason = undefined;
    const meters = this.settings.meters;
    const spawnStarted = performance.now();
    this.child = spawnServer(
      {
        argv: this.argv,
        cwd: this.spec.working_dir,
        env: this.spec.env_vars,
        stderrBytes: this.settings.stderrBytes,
        wrapper: this.settings.limitPrefix,
      },
      {
        stdout: (chunk) => {
          meters?.bytesFromServer(chunk.byteLength);
          peer.push(chunk);
        },
        stderrLine: (line) => {
          for (const listener of this.stderrListeners) {
            try {
              listener(line);
            } catch {
              // A broken reader must not stop the drain.
            }
          }
        },
      },
    );
    const child = this.child;
    void child.exited.then((exit) => this.exited(exit, child, peer));
    const handshakeStarted = performance.now();
    this.emitChange("spawned");
    try {
      this.identity = await handshake(peer, {
        clientInfo: this.settings.clientInfo,
        legacyCapabilities: declaredCapabilities(this.spec.clientCapabilities),
        probeTimeoutMs: this.settings.probeTimeoutMs,
        startTimeoutMs: this.settings.startTimeoutMs,
        knownEra,
      });
    } catch (error) {
      await this.halt();
      const exit = this.exit as ExitInfo | undefined; // set by the exit handler meanwhile
      const why = this.crashed
        ? `the server exited during start (${describeExit(exit)})`
        : error instanceof RequestTimeout
          ? `no answer to server/discover or initialize within ${this.settings.startTimeoutMs} ms`
          : (error as Error).message;
      throw new StartFailed(`server failed to start: ${why}`, {
        exit_code: exit?.code ?? null,
        exit_signal: exit?.signal ?? null,
        stderr: child.stderr.lastText(50),
      });
    }
    if (this.status !== "starting") {
      // It died between answering and now.
      throw new StartFailed(`server exited right after start (${describeExit(this.exit)})`, {
        stderr: child.stderr.lastText(50),
      });
    }
    this.startedAt = new Date();
    meters?.started(this.identity?.era, (handshakeStarted - spawnStarted) / 1000, (performance.now() - handshakeStarted) / 1000, true);
    this.setStatus("running");
    // A 2026-07-28 server announces list changes only on a listen its client opened.
    if (this.identity?.era === "modern") this.listens.start(peer, this.identity.capabilities);
  }

  /**
   * Sends one MCP request and returns its result. A JSON-RPC error from the
   * server is thrown as RemoteError; station failures as StationErrors.
   */
  async request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions = {}): Promise<unknown> {
    const meters = this.settings.meters;
    if (!meters) return this.send(method, params, options);
    const started = performance.now();
    try {
      const result = await this.send(method, params, options);
      meters.mcpRequest(method, undefined, (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      meters.mcpRequest(method, error, (performance.now() - started) / 1000);
      throw error;
    }
  }

  /**
   * A health check: `ping` for a legacy server, `server/discover` for a
   * 2026-07-28 one (that revision has no ping). Not counted as activity, so
   * checks never keep an idle session alive. Resolves on any answer, even an
   * error: a server that answers is responsive.
   */
  async probe(timeoutMs: number): Promise<string> {
    const modern = this.identity?.era === "modern";
    const method = modern ? "server/discover" : "ping";
    const sent = this.peer.request(method, modern ? this.envelope(undefined) : undefined, { timeoutMs, maxMs: timeoutMs });
    await sent.response;
    return method;
  }

  private async send(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    this.ensureRunning();
    this.lastActivityAt = Date.now();
    this.requestsTotal += 1;
    const identity = this.identity!;
    // The handshake happened once; repeating it through the API returns what the server said then.
    if (method === "initialize") return asInitializeResult(identity);
    if (method === "server/discover") return asDiscoverResult(identity);
    if (identity.era === "modern") {
      if (method === "resources/subscribe" || method === "resources/unsubscribe") return this.bridgeSubscription(method, params);
      // 2026-07-28 removed ping and logging/setLevel: bridge them so callers need not know the era.
      if (method === "ping") {
        await this.roundTrip("server/discover", this.envelope(undefined), options);
        return {};
      }
      if (method === "logging/setLevel") {
        this.logLevel = typeof params?.level === "string" ? params.level : undefined;
        return {};
      }
    }
    return this.roundTrip(method, identity.era === "modern" ? this.envelope(params) : params, options);
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

  /** Keeps a 2026-07-28 server sending `uri`'s updates (a listen of their own) until the returned function is called. */
  watchResource(uri: string): () => void {
    return this.identity?.era === "modern" ? this.listens.hold(uri) : () => {};
  }

  /** Sends a notification to the server; nothing waits for an answer. */
  notify(method: string, params: Record<string, unknown> | undefined): void {
    this.ensureRunning();
    this.lastActivityAt = Date.now();
    try {
      this.peer.notify(method, params);
    } catch (error) {
      throw new ServerExited(`the server is gone: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /** Replaces the roots the station answers roots/list with, and tells the server. */
  setRoots(roots: Root[]): void {
    this.roots = roots;
    if (isLive(this.status) && this.identity?.era === "legacy") this.notify("notifications/roots/list_changed", undefined);
    this.emitChange("roots");
  }

  /** Ends the server as the MCP stdio shutdown describes. Idempotent. */
  stop(): Promise<void> {
    this.stopRequested = true;
    // Withdrawn while the server still reads its stdin; halt() closes it.
    this.listens.stop();
    return this.halt();
  }

  /** Ends the server without marking the stop as asked for (a failed start, a crash's leftovers). */
  private halt(): Promise<void> {
    if (this.status === "restarting") {
      // Waiting out a backoff: nothing runs, so there is nothing to stop but the timer.
      this.cancelRestart?.();
      this.cancelRestart = undefined;
      this.nextRestartAt = undefined;
      this.setStatus("exited");
    }
    if (this.status === "failed") return this.stopping ?? Promise.resolve();
    if (!this.child) {
      this.setStatus("exited");
      return Promise.resolve();
    }
    if (this.status === "exited" && !this.stopping) {
      // Already dead by itself; still clean up whatever it left in its group.
      this.stopping = stopProcessGroup(this.child, this.timings()).then(() => {});
      return this.stopping;
    }
    if (!this.stopping) {
      if (this.status !== "exited") this.setStatus("stopping");
      this.stopping = stopProcessGroup(this.child, this.timings()).then(() => {});
    }
    return this.stopping;
  }

  info(): SessionInfo {
    const identity = this.identity;
    return {
      session_id: this.id,
      server_type: this.spec.server_type,
      status: this.status,
      created_at: this.createdAt.toISOString(),
      pid: this.pid,
      server_command: this.spec.server_command,
      server_args: this.spec.server_args,
      working_dir: this.spec.working_dir ?? null,
      env_keys: Object.keys(this.spec.env_vars),
      started_at: this.startedAt?.toISOString() ?? null,
      exited_at: this.exitedAt?.toISOString() ?? null,
      exit_code: this.exit?.code ?? null,
      exit_signal: this.exit?.signal ?? null,
      exit_reason: this.exit ? describeExit(this.exit) : null,
      crashed: this.crashed,
      owner: this.spec.owner ?? null,
      server: this.spec.server ?? null,
      era: identity?.era ?? null,
      era_source: identity?.eraSource ?? null,
      protocol_version: identity?.protocolVersion ?? null,
      server_info: identity?.serverInfo ?? null,
      capabilities: identity?.capabilities ?? null,
      instructions: identity?.instructions ?? null,
      roots: this.roots,
      in_flight: this.inFlight,
      requests_total: this.requestsTotal,
      last_activity_at: new Date(this.lastActivityAt).toISOString(),
      restored: this.restoredAt !== undefined,
      restored_at: this.restoredAt?.toISOString() ?? null,
      restart_policy: this.restartPolicy.policy,
      max_restarts: this.restartPolicy.max_restarts,
      restarts: this.restarts,
      next_restart_at: this.nextRestartAt?.toISOString() ?? null,
      failure_reason: this.failureReason ?? null,
      health: this.health ?? null,
    };
  }

  private timings() {
    return { graceMs: this.settings.stopGraceMs, termMs: this.settings.stopTermMs };
  }

  private ensureRunning(): void {
    if (!isLive(this.status)) {
      const detail = this.status === "exited" ? ` (${describeExit(this.exit)})` : "";
      throw new SessionNotRunning(`session ${this.id} is ${this.status}${detail}`, {
        session_id: this.id,
        status: this.status,
        exit_code: this.exit?.code ?? null,
        exit_signal: this.exit?.signal ?? null,
      });
    }
  }

  private envelope(params: Record<string, unknown> | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { ...params };
    const callerMeta = params?._meta as Record<string, unknown> | undefined;
    // A caller that brought its own envelope (its own capabilities, say) keeps it.
    if (callerMeta?.[META.protocolVersion] !== undefined) return out;
    const meta: Record<string, unknown> = { ...modernEnvelope(this.settings.clientInfo), ...callerMeta };
    if (this.logLevel && meta[META.logLevel] === undefined) meta[META.logLevel] = this.logLevel;
    out._meta = meta;
    return out;
  }

  private async roundTrip(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.settings.requestTimeoutMs, this.settings.maxRequestTimeoutMs);
    const callerMeta = params?._meta as Record<string, unknown> | undefined;
    const wantsProgress = PROGRESS_METHODS.has(method) || callerMeta?.progressToken !== undefined;
    const build = wantsProgress
      ? (id: number) => {
          // Our own token (the station id) keeps callers' tokens from colliding; theirs is restored on the way out.
          this.progress.set(id, { callerToken: callerMeta?.progressToken, listener: options.onProgress });
          return { ...params, _meta: { ...callerMeta, progressToken: id } };
        }
      : params;
    if (options.signal?.aborted) throw new RequestCancelled(`${method} was cancelled by its caller`);
    const maxInFlight = this.settings.maxInFlightPerSession ?? 0;
    if (maxInFlight > 0 && this.inFlight >= maxInFlight) {
      const error = new TooManyRequests(
        `session ${this.id} has ${maxInFlight} requests in flight (MCP_STATION_MAX_IN_FLIGHT_PER_SESSION)`,
        {
          session_id: this.id,
          max_in_flight: maxInFlight,
        },
      );
      error.headers = { "retry-after": "1" };
      throw error;
    }
    const peer = this.peer;
    const child = this.child!;
    const sent = peer.request(method, build, { timeoutMs, maxMs: this.settings.maxRequestTimeoutMs }, { raw: options.raw });
    const onAbort = () => peer.cancel(sent.id, new RequestCancelled(`${method} was cancelled by its caller`), "cancelled by the caller");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const response = await sent.response;
      if (isFailure(response)) throw new RemoteError(response.error.code, response.error.message, response.error.data);
      return response.result;
    } catch (error) {
      // Only a failed write ends a request with ServerExited before the exit is known (the exit handler fails the rest).
      if (error instanceof ServerExited && child.running) throw await exitAfterWriteFailure(child, error, timeoutMs);
      throw error;
    } finally {
      options.signal?.removeEventListener("abort", onAbort);
      if (wantsProgress) this.progress.delete(sent.id);
      this.lastActivityAt = Date.now();
    }
  }

  private receiveNotification(notification: JsonRpcNotification): void {
    const params = (notification.params ?? {}) as Record<string, unknown>;
    if (this.listens.consumes(notification.method, params)) return;
    if (notification.method === "notifications/progress" && typeof params.progressToken === "number") {
      const route = this.progress.get(params.progressToken);
      if (route) {
        this.peer.correlator.extend(params.progressToken);
        const restored = { ...params, progressToken: route.callerToken ?? params.progressToken };
        route.listener?.(restored);
        this.events.push("notification", { method: notification.method, params: restored });
        return;
      }
    }
    // What came on the station's listens is an ordinary session notification from here on.
    this.events.push("notification", {
      method: notification.method,
      params: withoutSubscriptionId(notification.params as Record<string, unknown> | undefined),
    });
  }

  private exited(exit: ExitInfo, child: ServerProcess, peer: JsonRpcPeer): void {
    const expected = this.status === "stopping" || this.stopping !== undefined;
    this.exit = exit;
    this.exitedAt = new Date();
    this.crashed = !expected;
    this.listens.closed();
    peer.close(serverExited(exit, child, "while the request was pending"));
    this.setStatus("exited");
    if (!expected) {
      this.log.warn("server exited unexpectedly", { session_id: this.id, exit_code: exit.code, exit_signal: exit.signal });
      // Its descendants may still run in its process group.
      void this.halt();
    }
    for (const listener of this.exitListeners) listener(this);
  }

  /** Calls `listener` on each status change, spawn and roots change; returns the unsubscribe function. */
  onChange(listener: (session: Session, change: SessionChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** A health check went unanswered (running -> unresponsive) or was answered again (-> running). */
  markResponsive(responsive: boolean): void {
    if (responsive && this.status === "unresponsive") this.setStatus("running");
    else if (!responsive && this.status === "running") this.setStatus("unresponsive");
  }

  /** The server exited and the restart policy will start it again at `at`; `cancel` drops that attempt. */
  markRestarting(at: Date, cancel: () => void): void {
    this.nextRestartAt = at;
    this.cancelRestart = cancel;
    this.setStatus("restarting");
  }

  /** No server runs and none will: a restore or the restart policy gave up, for `reason`. */
  markFailed(reason: string): void {
    this.failureReason = reason;
    this.nextRestartAt = undefined;
    this.cancelRestart = undefined;
    this.exitedAt ??= new Date();
    this.setStatus("failed");
  }

  private emitChange(change: SessionChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(this, change);
      } catch (error) {
        this.log.error("session observer failed", { session_id: this.id, err: error as Error });
      }
    }
  }

  private setStatus(status: SessionStatus): void {
    if (this.status === status) return;
    this.status = status;
    const data: Record<string, unknown> = { status };
    if (status === "exited")
      Object.assign(data, { exit_code: this.exit?.code ?? null, exit_signal: this.exit?.signal ?? null, crashed: this.crashed });
    if (status === "failed") data.reason = this.failureReason ?? null;
    this.events.push("status", data);
    this.emitChange("status");
  }
}

export function describeExit(exit: ExitInfo | undefined): string {
  if (!exit) return "still running";
  const limit = limitExitReason(exit.signal);
  if (limit) return `killed by ${exit.signal}: ${limit}`;
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}

/** What a caller whose request the server's exit ended is told: how it ended and its last stderr lines. */
function serverExited(exit: ExitInfo, child: ServerProcess, when: string, cause?: unknown): ServerExited {
  return new ServerExited(
    `the server exited (${describeExit(exit)}) ${when}`,
    { exit_code: exit.code, exit_signal: exit.signal, stderr_tail: child.stderr.lastText(20) },
    { cause },
  );
}

/**
 * Long enough for a dead server's exit to be known: spawn.ts reports it once stdout and stderr are drained,
 * at most 200 ms after the death. A server that closed its stdin and lives on is not waited for longer.
 */
const EXIT_AFTER_WRITE_FAILURE_MS = 1_000;

/**
 * A write found the server's stdin broken: it died (or closed its stdin), but its exit is not known yet and
 * the session still says running. Rather than fail at once with a bare "EPIPE", the request waits (bounded,
 * and never past its own deadline) for the exit, so its caller is told what every caller of a dying server
 * is told, exit code and stderr tail included, whichever instant of the death its write fell on. It never
 * reached the server, but it is not sent again: the exit handler decides what becomes of the session.
 */
async function exitAfterWriteFailure(child: ServerProcess, failure: ServerExited, timeoutMs: number): Promise<ServerExited> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const gaveUp = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.min(timeoutMs, EXIT_AFTER_WRITE_FAILURE_MS));
  });
  const exit = await Promise.race([child.exited, gaveUp]);
  clearTimeout(timer);
  if (exit) return serverExited(exit, child, "as the request was being sent", failure);
  return new ServerExited(
    `${failure.message}: the server no longer reads its stdin and has not exited`,
    { exit_code: null, exit_signal: null, stderr_tail: child.stderr.lastText(20) },
    { cause: failure },
  );
}
