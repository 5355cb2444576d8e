/**
 * A session joins one server process to one JSON-RPC connection and owns its
 * state machine: starting -> running -> stopping -> exited, and under a
 * restart policy exited -> restarting -> starting, or failed. Any number of
 * callers share it; the station's own ids on the stdio stream keep their
 * answers apart. It changes only through its own methods (what others read
 * of it is session-state.ts), and composes the rest: the connection of each
 * run with its requests and progress (server-connection.ts), the era bridge,
 * the station's listens, its timeline (lifetime.ts) and its restarts
 * (restart-state.ts).
 */
import { RemoteError, RequestCancelled, ServerExited, StartFailed, ToolWithheld } from "../errors.ts";
import { ErrorCode } from "../jsonrpc/messages.ts";
import type { Logger } from "../log.ts";
import { type Root, answerClientRequest, declaredCapabilities } from "../protocol/client-requests.ts";
import { handshake } from "../protocol/handshake.ts";
import type { Era } from "../protocol/versions.ts";
import type { ExitInfo } from "../process/server-link.ts";
import { AccessTokens, type TokenSource } from "../remote/oauth-client.ts";
import { RULED_METHODS, withAccess } from "./access-check.ts";
import { ClientHub } from "./client-hub.ts";
import { ToolCurator, curates } from "./curation.ts";
import { namesAnySecret, resolveValues } from "./launch-secrets.ts";
import { LOCAL_CALLER } from "../security/caller.ts";
import { EraBridge } from "./era-bridge.ts";
import { describeExit, serverExited, startFailure } from "./exit-report.ts";
import type { SessionRequest, SessionSpec } from "./launch-request.ts";
import { notBackInTime, notRunning } from "./not-running.ts";
import type { PolicyInForce } from "./restart-state.ts";
import { type RequestOptions, ServerConnection } from "./server-connection.ts";
import { ServerListens, withoutSubscriptionId } from "./server-listen.ts";
import { type HealthCheck, isLive } from "./session-info.ts";
import { RequestClock, type SessionMeters, metered, serverLabel } from "./session-meters.ts";
import type { SessionSettings } from "./session-settings.ts";
import { SessionState } from "./session-state.ts";
import { ATTR } from "../tracing/attributes.ts";
import { outsideTraces } from "../tracing/runtime.ts";
import { noteHandshake, startSessionSpan } from "../tracing/session-spans.ts";
import { traced } from "../tracing/spans.ts";

// What importers of the session read about it, from the files that own each.
export type { SessionMeters, StationMeters } from "./session-meters.ts";
export type { SessionSettings } from "./session-settings.ts";
export type { SessionSpec } from "./launch-request.ts";
export { type SessionStatus, isLive, isTerminal } from "./session-info.ts";
export { describeExit } from "./exit-report.ts";

/** A launch's values with its secrets resolved for its tenant: env for a process; headers and the OAuth client for a remote. */
interface LaunchValues {
  env: Record<string, string>;
  headers: Record<string, string>;
  oauth?: Record<string, string>;
}

export class Session extends SessionState {
  /** The live clients attached (WebSocket, MCP endpoint), which take the server's sampling and elicitation. */
  readonly clients = new ClientHub();

  private connection: ServerConnection | undefined;
  private stopping: Promise<void> | undefined;
  /** The run a restart asked for (restartOnRequest) is stopping: its exit leaves the session `restarting`. */
  private replacing: ServerConnection | undefined;
  /** The station's own subscriptions/listen to a 2026-07-28 server: its list changes and resource updates. */
  private readonly listens: ServerListens;
  private readonly bridge: EraBridge;
  /** Its registry entry's curation of its tools; none when it has none. */
  private readonly curator: ToolCurator | undefined;
  /** The check of the server's tools against their pins that calls wait for (at start, after list_changed). */
  private toolReview: Promise<void> | undefined;
  /** Its server's meters, shared with the server's other sessions; none without metrics. */
  protected readonly meters: SessionMeters | undefined;

  constructor(
    id: string,
    spec: SessionSpec,
    readonly argv: string[],
    private readonly settings: SessionSettings,
    log: Logger,
  ) {
    super(id, spec, settings.eventBufferSize, log);
    this.listens = new ServerListens((params) => this.bridge.envelope(params), log, id);
    this.bridge = new EraBridge(settings.clientInfo, this.listens);
    this.meters = settings.meters?.forServer(serverLabel(spec));
    this.curator = curates(spec.tools) ? new ToolCurator(spec.tools) : undefined;
  }

  get pid(): number | null {
    return this.connection?.child.pid ?? null;
  }

  get stderr() {
    return this.connection?.child.stderr;
  }

  /** Callers' requests waiting on the server (the station's own listens are not counted). */
  get inFlight(): number {
    return this.connection?.inFlight ?? 0;
  }

  /** Spawns the server and completes the MCP handshake. On failure nothing is left running. */
  start(knownEra?: Era): Promise<void> {
    const attributes = this.spec.server ? { [ATTR.stationServer]: this.spec.server } : {};
    return traced(startSessionSpan("session start", this.id, attributes), () => this.spawnAndHandshake(knownEra));
  }

  private async spawnAndHandshake(knownEra?: Era): Promise<void> {
    if (this.connection?.child.running) throw new Error("start() while a server process is running");
    // Before anything starts: a secret the tenant has not set is the caller's to fix (SecretMissing, 422).
    // Without one, nothing is awaited: the status turns starting in the caller's own turn, as before.
    const secrets = namesAnySecret(this.launch) ? await this.resolveSecrets() : this.clearValues();
    this.setStatus("starting");
    this.stopping = undefined;
    this.life.starting();
    this.stopAsked = false;
    this.restart.starting();
    const meters = this.settings.meters;
    const spawnStarted = performance.now();
    // Outside the start's trace: the child's readers and its exit outlive the request that started it.
    const connection = outsideTraces(() => this.connect(secrets));
    this.connection = connection;
    outsideTraces(() => void connection.child.exited.then((exit) => this.exited(exit, connection)));
    const handshakeStarted = performance.now();
    this.emitChange("spawned");
    try {
      this.serverIdentity = await traced(startSessionSpan("handshake", this.id), async (span) => {
        const identity = await handshake(connection.peer, {
          clientInfo: this.settings.clientInfo,
          legacyCapabilities: declaredCapabilities(this.launch.clientCapabilities),
          probeTimeoutMs: this.settings.probeTimeoutMs,
          startTimeoutMs: this.settings.startTimeoutMs,
          knownEra,
        });
        noteHandshake(span, identity.era, identity.protocolVersion);
        return identity;
      });
    } catch (error) {
      await this.halt();
      // The exit handler has run meanwhile: a server that died during start is told apart from a silent one.
      throw startFailure(error, this.life.exit, this.life.crashed, connection.child, this.settings.startTimeoutMs);
    }
    if (this.current !== "starting") {
      // It died between answering and now.
      throw new StartFailed(`server exited right after start (${describeExit(this.life.exit)})`, {
        stderr: connection.child.stderr.lastText(50),
      });
    }
    // Before anyone can call: a tool whose definition changed since it was approved is withheld from the first call on.
    await this.reviewTools(connection);
    this.life.started();
    meters?.started(this.era, (handshakeStarted - spawnStarted) / 1000, (performance.now() - handshakeStarted) / 1000, true);
    this.setStatus("running");
    // A 2026-07-28 server announces list changes only on a listen its client opened.
    if (this.era === "modern") outsideTraces(() => this.listens.start(connection.peer, this.serverIdentity!.capabilities));
  }

  /** The values this launch names by secret, as they are now for its tenant. */
  private async resolveSecrets(): Promise<LaunchValues> {
    const { launch, settings } = this;
    const tenant = this.tenant;
    const where = `server ${launch.server ?? launch.server_command}`;
    const oauth = launch.remote?.oauth;
    return {
      env: launch.secret_env ? await resolveValues(launch.secret_env, tenant, settings.secrets, where) : {},
      headers: launch.remote ? await resolveValues(launch.remote.headers, tenant, settings.secrets, where) : {},
      ...(oauth
        ? {
            oauth: await resolveValues({ client_id: oauth.client_id, client_secret: oauth.client_secret }, tenant, settings.secrets, where),
          }
        : {}),
    };
  }

  /** The launch's values when none is a secret's name. */
  private clearValues(): LaunchValues {
    const oauth = this.launch.remote?.oauth;
    return {
      env: {},
      headers: (this.launch.remote?.headers ?? {}) as Record<string, string>,
      ...(oauth ? { oauth: { client_id: oauth.client_id as string, client_secret: oauth.client_secret as string } } : {}),
    };
  }

  private get tenant(): string {
    return this.launch.owner ?? LOCAL_CALLER.tenant;
  }

  /**
   * The OAuth client of a remote launch with `oauth`: its tokens are shared by every session of the same entry and
   * tenant (settings.accessTokens), so a restart or a second session reuses a token that is still good.
   */
  private tokenSource(values: LaunchValues): TokenSource | undefined {
    const remote = this.launch.remote;
    if (!remote?.oauth || !values.oauth) return undefined;
    const tokens = this.settings.accessTokens ?? new AccessTokens();
    return tokens.source(`${this.launch.server ?? remote.url}\0${this.tenant}`, {
      serverUrl: remote.url,
      clientId: values.oauth.client_id!,
      clientSecret: values.oauth.client_secret!,
      scope: remote.oauth.scope,
      authorizationServer: remote.oauth.authorization_server,
    });
  }

  /** A fresh connection for a fresh child: every (re)start gets its own ids and framing state. */
  private connect(secrets: LaunchValues): ServerConnection {
    const { settings, launch } = this;
    return new ServerConnection(
      launch.remote
        ? {
            url: launch.remote.url,
            headers: secrets.headers,
            stderrBytes: settings.stderrBytes,
            transport: launch.remote.transport,
            oauth: this.tokenSource(secrets),
          }
        : {
            argv: this.argv,
            cwd: launch.working_dir,
            env: { ...launch.env_vars, ...secrets.env },
            stderrBytes: settings.stderrBytes,
            wrapper: settings.limitPrefix,
          },
      { ...settings, meters: this.meters },
      {
        onRequest: (request) => {
          this.events.push("client_request", { method: request.method });
          return answerClientRequest(request, { roots: () => this.rootList, forward: (asked) => this.clients.route(asked) });
        },
        onNotification: (method, params) => this.receiveNotification(method, params),
        onStderr: (line) => this.relayStderr(line),
        onSettled: () => this.life.active(false),
      },
      this.log,
      this.id,
      () => this.listens.pending,
    );
  }

  /**
   * Sends one MCP request and returns its result. A JSON-RPC error from the
   * server is thrown as RemoteError; station failures as StationErrors.
   */
  request(method: string, params: Record<string, unknown> | undefined, options: RequestOptions = {}): Promise<unknown> {
    const { access } = this.settings;
    const caller = options.caller;
    if (access?.enabled && caller && RULED_METHODS.has(method)) {
      const server = this.spec.server;
      const who = { caller, server, label: server ?? serverLabel(this.spec) };
      return withAccess(access, who, method, params, options, (allowed) => this.measured(method, params, allowed));
    }
    return this.measured(method, params, options);
  }

  /** Whether the access rules let this caller call the tool: a channel that checks more about a call (Mcp-Param headers) asks first, so a hidden tool is refused as hidden, not described. */
  mayCallTool(name: string, caller: RequestOptions["caller"]): boolean {
    const { access } = this.settings;
    return !access || !caller || access.toolsFor(caller, this.spec.server).allows(name);
  }

  /** Whether the access rules let this caller read the resource: what a channel asks before it relays or subscribes to a URI's updates for it. */
  mayReadResource(uri: string, caller: RequestOptions["caller"]): boolean {
    const { access } = this.settings;
    return !access?.enabled || !caller || access.resourcesFor(caller, this.spec.server).allows(uri);
  }

  /**
   * A scope the caller's token lacks that the access rules would let call the tool: what an MCP endpoint's
   * step-up challenge names (src/modules/streamable-http/scope-challenge.ts). Undefined when the caller may
   * call it already, or no scope would help.
   */
  scopeToCallTool(name: string, caller: RequestOptions["caller"]): string | undefined {
    const { access } = this.settings;
    if (!access?.enabled || !caller || this.mayCallTool(name, caller)) return undefined;
    return access.scopeThatAllows(caller, this.spec.server, name);
  }

  protected measured(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    const meters = this.meters;
    if (!meters) return this.send(method, params, options);
    const clock = new RequestClock();
    return metered(meters, method, params, clock, this.send(method, params, options, clock));
  }

  /**
   * A health check: `ping` for a legacy server, `server/discover` for a
   * 2026-07-28 one (that revision has no ping). Not counted as activity, so
   * checks never keep an idle session alive. Resolves on any answer, even an
   * error: a server that answers is responsive.
   */
  async probe(timeoutMs: number): Promise<string> {
    const modern = this.era === "modern";
    const method = modern ? "server/discover" : "ping";
    if (!this.connection) throw new ServerExited("no server process");
    await this.connection.probe(method, modern ? this.bridge.envelope(undefined) : undefined, timeoutMs);
    return method;
  }

  private async send(
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
    clock?: RequestClock,
  ): Promise<unknown> {
    // It may have gone again by the time a wait ends.
    while (!isLive(this.current)) options = await this.waitForRestart(method, options);
    const pinned = this.pinnedServer;
    if (pinned && method === "tools/call") {
      // The server's own name of the tool: a curated name is the registry's, not what the pins know.
      const name = params?.name;
      await this.refuseWithheld(pinned, typeof name === "string" && this.curator ? this.curator.original(name) : name);
    }
    // A list to check is read whole, never passed through unparsed.
    if (pinned && method === "tools/list") options = { ...options, raw: false };
    this.life.active(true);
    const connection = this.connection!;
    const curator = this.curator;
    if (curator && (method === "tools/list" || method === "tools/call")) return this.sendCurated(curator, method, params, options, clock);
    const result = await this.bridge.send(this.serverIdentity!, method, params, (method, params) =>
      connection.request(method, params, options, clock),
    );
    if (pinned && method === "tools/list") return this.withoutWithheld(pinned, result);
    return result;
  }

  /** The registry name this session's tools are pinned under; none when pinning is off or the server is not registered. */
  private get pinnedServer(): string | undefined {
    return this.settings.toolGuard ? this.spec.server : undefined;
  }

  private async refuseWithheld(server: string, tool: unknown): Promise<void> {
    await this.toolReview;
    if (typeof tool === "string" && this.settings.toolGuard!.withheld(server, tool)) {
      throw new ToolWithheld(
        `tool ${tool} of server ${server} changed since it was approved and is withheld until an admin approves it (GET /pins/changes)`,
        {
          server,
          tool,
        },
      );
    }
  }

  private async withoutWithheld(server: string, result: unknown): Promise<unknown> {
    const page = result as { tools?: unknown };
    if (!Array.isArray(page?.tools)) return result;
    return { ...(result as object), tools: await this.settings.toolGuard!.review(server, page.tools) };
  }

  /**
   * Lists the server's tools (every page) through the pins, so that a changed definition is withheld before
   * a client asks for the list. A failure leaves the pins as they were and is logged: the lists clients ask
   * for are checked anyway.
   */
  private reviewTools(connection: ServerConnection): Promise<void> {
    const server = this.pinnedServer;
    const identity = this.serverIdentity;
    if (!server || !identity?.capabilities.tools) return Promise.resolve();
    const review = (async () => {
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const params = cursor === undefined ? undefined : { cursor };
        const result = (await this.bridge.send(identity, "tools/list", params, (method, params) =>
          connection.request(method, params, { timeoutMs: this.settings.startTimeoutMs }),
        )) as { tools?: unknown; nextCursor?: unknown };
        if (Array.isArray(result?.tools)) await this.settings.toolGuard!.review(server, result.tools);
        if (typeof result?.nextCursor !== "string") return;
        cursor = result.nextCursor;
      }
    })().catch((error: unknown) => {
      this.log.warn("tool pins: could not list the server's tools to check them", { session_id: this.id, server, err: error as Error });
    });
    this.toolReview = review;
    return review;
  }

  /** tools/list and tools/call under the registry entry's curation: hidden tools are neither listed nor callable. */
  private async sendCurated(
    curator: ToolCurator,
    method: string,
    params: Record<string, unknown> | undefined,
    options: RequestOptions,
    clock?: RequestClock,
  ): Promise<unknown> {
    const connection = this.connection!;
    const roundTrip = (method: string, params: Record<string, unknown> | undefined) =>
      connection.request(method, params, { ...options, raw: false }, clock);
    if (method === "tools/call") {
      const name = params?.name;
      const original = typeof name === "string" ? curator.original(name) : undefined;
      // Answered as the server answers a tool it does not have: a hidden tool is not there.
      if (original === undefined) throw new RemoteError(ErrorCode.InvalidParams, `Unknown tool: ${String(name)}`);
      return this.bridge.send(this.serverIdentity!, method, { ...params, name: original }, roundTrip);
    }
    const result = (await this.bridge.send(this.serverIdentity!, method, params, roundTrip)) as Record<string, unknown>;
    if (!Array.isArray(result?.tools)) return result;
    // Pins judge the server's own definitions, before the curation renames and rewrites them.
    const pinned = this.pinnedServer;
    const shown = pinned ? await this.settings.toolGuard!.review(pinned, result.tools) : result.tools;
    return { ...result, tools: curator.list(shown) };
  }

  /** Keeps a 2026-07-28 server sending `uri`'s updates (a listen of their own) until the returned function is called. */
  watchResource(uri: string): () => void {
    return this.bridge.watch(this.serverIdentity, uri);
  }

  /** Sends a notification to the server; nothing waits for an answer. */
  notify(method: string, params: Record<string, unknown> | undefined): void {
    if (!isLive(this.current)) throw notRunning(this);
    this.life.active(false);
    this.connection!.notify(method, params);
  }

  /** Replaces the roots the station answers roots/list with, and tells the server. */
  setRoots(roots: Root[]): void {
    this.rootList = roots;
    if (isLive(this.current) && this.era === "legacy") this.notify("notifications/roots/list_changed", undefined);
    this.emitChange("roots");
  }

  /**
   * A warm process (warm-pool.ts) becomes the session of the caller whose create it matched: theirs from now on,
   * and, for a group's member, that group's (its stop, idling and restore follow the group).
   */
  handOver(to: { owner?: string; request?: SessionRequest; memberOf?: string }): void {
    this.launch = { ...this.launch, owner: to.owner, request: to.request, memberOf: to.memberOf };
    this.life.handedOver();
  }

  /** The session came back after a station restart (src/store/restore.ts): created then, restarted so often since. */
  markRestored(createdAt: Date, restarts: number): void {
    this.life.restored(createdAt);
    this.restart.restored(restarts);
  }

  /** The restart policy in force for this session (restart.ts, when the session joins the set). */
  applyRestartPolicy(policy: PolicyInForce): void {
    this.restart.apply(policy);
  }

  /** The restart policy starts the server again now (its backoff is over); counted when it runs again. */
  async restartServer(): Promise<void> {
    this.restart.attempting();
    await this.start(this.era);
    this.restart.succeeded();
  }

  /**
   * A restart asked for (POST /sessions/{id}/restart): the server is stopped as on a delete and started
   * again, under the same session id, whatever the restart policy says. From the request on the session is
   * `restarting`, so callers that arrive meanwhile wait for the new process as they wait out a crash
   * restart; requests in flight on the old process fail with server_exited (they may have had effects).
   * Counted in `restarts` once the new process runs. A start that fails leaves the session exited, its
   * error thrown; a delete meanwhile wins.
   */
  async restartOnRequest(): Promise<void> {
    this.checkRestartable();
    const connection = this.connection!;
    this.restartAsked = true;
    this.replacing = connection;
    this.restart.underWay();
    this.listens.stop();
    this.stopping = connection.child.stop(this.timings()).then(() => {});
    this.setStatus("restarting");
    try {
      await this.stopping;
      if (this.stopAsked) return;
      await this.restartServer();
    } catch (error) {
      // Nobody is coming back: the callers waiting are told so now, not at their deadline.
      this.restart.stopped();
      this.restart.statusChanged(this.current);
      throw error;
    } finally {
      this.restartAsked = false;
      this.replacing = undefined;
    }
  }

  /** Throws what a restart asked for now would be refused with: no server runs (409). */
  checkRestartable(): void {
    if (!isLive(this.current) || !this.connection) throw notRunning(this);
  }

  /** The latest health check (src/health/checker.ts). */
  recordHealth(check: HealthCheck): void {
    this.lastHealth = check;
  }

  /** SIGKILLs the server's process group, which then exits as after a crash (the restart policy's way out of a hung server). Returns whether one ran. */
  killServer(): boolean {
    return this.connection?.child.kill() === true;
  }

  /** Ends the server as the MCP stdio shutdown describes. Idempotent. */
  stop(): Promise<void> {
    this.stopAsked = true;
    this.restart.stopped();
    // Withdrawn while the server still reads its stdin; halt() closes it.
    this.listens.stop();
    return this.halt();
  }

  /** Ends the server without marking the stop as asked for (a failed start, a crash's leftovers). */
  private halt(): Promise<void> {
    if (this.current === "restarting") {
      // Waiting out a backoff: nothing runs, so there is nothing to stop but the timer.
      this.restart.cancel();
      this.setStatus("exited");
    }
    if (this.current === "failed") return this.stopping ?? Promise.resolve();
    if (!this.connection) {
      this.setStatus("exited");
      return Promise.resolve();
    }
    if (this.current === "exited" && !this.stopping) {
      // Already dead by itself; still clean up whatever it left in its group.
      this.stopping = this.connection.child.stop(this.timings()).then(() => {});
      return this.stopping;
    }
    if (!this.stopping) {
      if (this.current !== "exited") this.setStatus("stopping");
      this.stopping = this.connection.child.stop(this.timings()).then(() => {});
    }
    return this.stopping;
  }

  private timings() {
    return { graceMs: this.settings.stopGraceMs, termMs: this.settings.stopTermMs };
  }

  /**
   * A caller's request that finds the server restarting waits for the new process, within its own deadline
   * (issue 14): a restart it can wait out goes unnoticed. It fails at once with 503 and Retry-After when the
   * next attempt is due after its deadline (and when the server is not back by then), with 409 when no
   * server is coming (the policy gave up, the session was stopped, nothing restarts it). Requests in flight
   * when the server died are not retried: they may have had effects. Returns the options with the time left.
   */
  private async waitForRestart(method: string, options: RequestOptions): Promise<RequestOptions> {
    if (!this.restart.restarting) throw notRunning(this);
    const timeoutMs = Math.min(options.timeoutMs ?? this.settings.requestTimeoutMs, this.settings.maxRequestTimeoutMs);
    const arrived = Date.now();
    const outcome = await this.restart.waitBack(arrived + timeoutMs, options.signal);
    if (outcome === "gone") throw notRunning(this);
    if (outcome === "cancelled") throw new RequestCancelled(`${method} was cancelled by its caller`);
    if (outcome === "late") throw notBackInTime(this, timeoutMs);
    return { ...options, timeoutMs: Math.max(1, timeoutMs - (Date.now() - arrived)) };
  }

  private receiveNotification(method: string, params: Record<string, unknown> | undefined): void {
    // Checked again before the clients hear of it: a call that follows the news waits for the check.
    if (method === "notifications/tools/list_changed" && this.connection && isLive(this.current)) void this.reviewTools(this.connection);
    if (this.listens.consumes(method, params ?? {})) return;
    // What came on the station's listens is an ordinary session notification from here on.
    this.events.push("notification", { method, params: withoutSubscriptionId(params) });
  }

  private exited(exit: ExitInfo, connection: ServerConnection): void {
    const expected = this.current === "stopping" || this.stopping !== undefined;
    this.life.exited(exit, !expected);
    this.listens.closed();
    connection.close(serverExited(exit, connection.child, "while the request was pending"));
    // A restart asked for stays `restarting` from its request to the new process.
    if (connection !== this.replacing) this.setStatus("exited");
    if (!expected) {
      this.log.warn("server exited unexpectedly", { session_id: this.id, exit_code: exit.code, exit_signal: exit.signal });
      // Its descendants may still run in its process group.
      void this.halt();
    }
    this.announceExit();
  }

  /** A health check went unanswered (running -> unresponsive) or was answered again (-> running). */
  markResponsive(responsive: boolean): void {
    if (responsive && this.current === "unresponsive") this.setStatus("running");
    else if (!responsive && this.current === "running") this.setStatus("unresponsive");
  }

  /** The server exited and the restart policy will start it again at `at`; `cancel` drops that attempt. */
  markRestarting(at: Date, cancel: () => void): void {
    this.restart.scheduled(at, cancel);
    this.setStatus("restarting");
  }

  /** No server runs and none will: a restore or the restart policy gave up, for `reason`. */
  markFailed(reason: string): void {
    this.restart.gaveUp(reason);
    this.life.ended();
    this.setStatus("failed");
  }
}
