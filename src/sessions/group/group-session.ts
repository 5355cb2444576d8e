/**
 * A group session: one session for several registered servers (a registry
 * group, src/registry/groups.ts). To everything above it (the REST API, the
 * MCP endpoints, the WebSocket, the store, the metrics, the restart policy)
 * it is a Session, so it extends one; it runs no process of its own. Each
 * member is a full station session of its own (the manager starts it,
 * counted in the limits, under its own restart policy and health checks),
 * and the group merges what they offer: tools and prompts under the names of
 * names.ts, resources by URI, templates first-member-wins, and routes each
 * call back to its member by name or URI.
 *
 * The group speaks the legacy era to its clients (the channels bridge it to
 * modern clients as they do any legacy server); a modern member's
 * input_required is answered by asking the group's live clients, as a
 * legacy member's sampling is.
 *
 * @example
 *   const group = new GroupSession(id, spec, entry, hooks, settings, log);
 *   await group.start();
 *   await group.request("tools/call", { name: "b__search", arguments: {} });
 */
import { AccessDenied, BadRequest, RemoteError, StartFailed, StationError, TooManyRequests } from "../../errors.ts";
import { ErrorCode } from "../../jsonrpc/messages.ts";
import type { Logger } from "../../log.ts";
import type { Root } from "../../protocol/client-requests.ts";
import { modernClientCapabilities } from "../../protocol/bridge.ts";
import { declaredCapabilities } from "../../protocol/client-requests.ts";
import { type ServerIdentity, asDiscoverResult, asInitializeResult, modernEnvelope } from "../../protocol/handshake.ts";
import { LEGACY_VERSIONS } from "../../protocol/versions.ts";
import type { GroupEntry } from "../../registry/groups.ts";
import type { LiveClient } from "../client-hub.ts";
import { ToolCurator, curates } from "../curation.ts";
import type { SessionEvent } from "../event-buffer.ts";
import type { SessionSpec } from "../launch-request.ts";
import { notRunning } from "../not-running.ts";
import type { RequestOptions } from "../server-connection.ts";
import { Session } from "../session.ts";
import { isLive } from "../session-info.ts";
import { RequestClock, metered } from "../session-meters.ts";
import type { SessionSettings } from "../session-settings.ts";
import { GroupMember, type Item } from "./member.ts";
import { GroupCatalog } from "./catalog.ts";
import { MemberAccess } from "./member-access.ts";
import { type CallingGroup, callMember } from "./member-call.ts";
import type { Owner } from "./names.ts";

/** What the group needs from the manager: its members' sessions, started and stopped within the station's limits. */
export interface GroupHooks {
  startMember(name: string, group: GroupSession): Promise<Session>;
  stopMember(member: Session): Promise<void>;
}

/** A member that failed to start is tried again after this, doubling up to RETRY_MAX_MS, while the group runs. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
const LIST_CHANGED = ["notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/list_changed"];

export class GroupSession extends Session {
  /** In the group's order, which settles name collisions; a registry reload may change it (updateMembers). */
  members: GroupMember[];
  private readonly catalog: GroupCatalog;
  /** Each member's access rules on the merged lists. */
  private readonly memberAccess: MemberAccess;
  /** What a member's call needs of the group (member-call.ts). */
  private readonly calling: CallingGroup;
  private pending = 0;
  /** What the group's clients set up through it, sent again to a member that restarts (replaySetup). */
  private logLevel: string | undefined;
  /** uri -> the member that took the subscription */
  private readonly subscriptions = new Map<string, string>();
  /** The group's own curation, over the names it gives its members' tools. */
  private groupCurator: ToolCurator | undefined;
  /** A member's server asks the group's live clients (sampling, elicitation, roots), as if they were its own. */
  private readonly proxy: LiveClient = {
    accepts: () => true,
    busySince: () => undefined,
    lastActiveAt: 0,
    ask: (request) => this.clients.route(request),
  };

  constructor(
    id: string,
    spec: SessionSpec,
    private entry: GroupEntry,
    private readonly hooks: GroupHooks,
    private readonly groupSettings: SessionSettings,
    log: Logger,
  ) {
    super(id, spec, [], groupSettings, log);
    this.members = entry.members.map((name) => new GroupMember(name));
    this.catalog = new GroupCatalog(entry, () => this.members, log, id);
    this.memberAccess = new MemberAccess(groupSettings.access, this.catalog);
    const group = this;
    this.calling = {
      id,
      get groupName() {
        return group.entry.name;
      },
      get roots() {
        return group.rootList;
      },
      envelope: (params) => this.withEnvelope(params),
      ask: (request) => this.clients.route(request),
    };
    this.groupCurator = curates(entry.tools) ? new ToolCurator(entry.tools) : undefined;
  }

  /** The registry entry it runs under. */
  get group(): GroupEntry {
    return this.entry;
  }

  /**
   * The registry changed the group (a reload): members it no longer names are stopped, new ones started,
   * its curation replaced, and its clients told its lists changed. Its prefix mode and separator stay
   * as they were for this session (names a client holds keep working); new sessions take the new ones.
   */
  async updateMembers(entry: GroupEntry): Promise<void> {
    const before = new Map(this.members.map((member) => [member.name, member]));
    this.entry = { ...entry, prefix: this.entry.prefix, separator: this.entry.separator };
    this.groupCurator = curates(entry.tools) ? new ToolCurator(entry.tools) : undefined;
    this.members = entry.members.map((name) => before.get(name) ?? new GroupMember(name));
    const removed = [...before.values()].filter((member) => !entry.members.includes(member.name));
    const added = this.members.filter((member) => !before.has(member.name));
    this.log.info("group members changed", {
      session_id: this.id,
      group: entry.name,
      added: added.map((m) => m.name),
      removed: removed.map((m) => m.name),
    });
    await Promise.allSettled(
      removed.map(async (member) => {
        clearTimeout(member.retry);
        member.detach?.();
        if (member.session) await this.hooks.stopMember(member.session);
      }),
    );
    await Promise.all(added.map((member) => this.startMember(member)));
    this.catalog.rename();
    this.announce(LIST_CHANGED);
  }

  override get pid(): number | null {
    return null;
  }

  override get stderr() {
    return undefined;
  }

  override get inFlight(): number {
    return this.pending;
  }

  /** Starts every member; the group runs when at least one does (the others are listed with their reason). */
  override async start(): Promise<void> {
    this.setStatus("starting");
    this.life.starting();
    this.stopAsked = false;
    this.restart.starting();
    await Promise.all(this.members.map((member) => this.startMember(member)));
    // Named once all have answered, in the group's member order, not in the order their starts finished.
    this.catalog.rename();
    if (!this.members.some((member) => member.available)) {
      const reasons = this.members.map((member) => `${member.name}: ${member.error ?? member.status}`).join("; ");
      await this.stopMembers();
      this.life.exited({ code: null, signal: null }, false);
      this.setStatus("exited");
      throw new StartFailed(`no member of group ${this.entry.name} started (${reasons})`, {
        members: this.members.map((member) => member.info()),
      });
    }
    this.serverIdentity = this.composeIdentity();
    this.life.started();
    this.setStatus("running");
  }

  private async startMember(member: GroupMember): Promise<void> {
    let session: Session;
    try {
      session = await this.hooks.startMember(member.name, this);
    } catch (error) {
      member.error = withStderr(error);
      this.log.warn("group member did not start", { session_id: this.id, member: member.name, reason: member.error });
      // A member the access rules do not give this group's caller will not be given it by waiting.
      if (!(error instanceof AccessDenied)) this.retryLater(member);
      return;
    }
    if (this.stopAsked || !this.members.includes(member)) {
      // The group stopped, or a reload dropped this member, while it was starting: it must not outlive that.
      await this.hooks.stopMember(session);
      return;
    }
    member.startFailures = 0;
    member.session = session;
    member.error = undefined;
    let listed = true;
    /** A new process started since it was last listed (a restart, not an unresponsive spell). */
    let restarted = false;
    const offs = [
      session.clients.attach(this.proxy),
      session.events.subscribe((event) => this.memberEvent(member, event)),
      session.onChange((_, change) => {
        if (change !== "status") return;
        if (session.status === "starting") restarted = true;
        const now = session.status === "running";
        if (now === listed) return;
        listed = now;
        // Its tools leave the list while it is down, and come back (re-read: a restart may change them) when it is up.
        if (!now) {
          this.announce(LIST_CHANGED);
          return;
        }
        if (restarted) this.replaySetup(member);
        restarted = false;
        void this.catalog.refresh(member).then(() => this.announceRenamed(LIST_CHANGED));
      }),
    ];
    member.detach = () => {
      for (const off of offs) off();
    };
    await this.catalog.refresh(member);
  }

  /**
   * A member that did not start is tried again while the group runs (from its start on), backing off from
   * 1 s to 60 s: a server that needs something not yet up (a database, a network) joins when it can, and
   * the group's clients are told its tools arrived.
   */
  private retryLater(member: GroupMember): void {
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(16, member.startFailures));
    member.startFailures += 1;
    member.retry = setTimeout(() => {
      member.retry = undefined;
      if (this.stopAsked || !this.members.includes(member) || member.session) return;
      if (this.current !== "running" && this.current !== "starting") return;
      void this.startMember(member).then(() => {
        if (!member.session) return;
        this.catalog.rename();
        this.announce(LIST_CHANGED);
      });
    }, delay);
    member.retry.unref?.();
  }

  /** After a member's lists changed while the group runs: named again, and its clients told. */
  private announceRenamed(methods: string[]): void {
    this.catalog.rename();
    this.announce(methods);
  }

  private memberEvent(member: GroupMember, event: SessionEvent): void {
    if (event.kind !== "notification") return;
    const { method, params } = event.data as { method: string; params?: Record<string, unknown> };
    // Progress goes on too (with its caller's token restored): /mcp/request's callers read it from the events; the
    // channels deliver it through the request's own listener and skip it here.
    if (LIST_CHANGED.includes(method)) {
      void this.catalog.refresh(member).then(() => this.announceRenamed([method]));
      return;
    }
    this.events.push("notification", params === undefined ? { method } : { method, params });
  }

  private announce(methods: string[]): void {
    if (this.current !== "running") return;
    for (const method of methods) this.events.push("notification", { method });
  }

  /** The group's own handshake: the legacy era, the members' capabilities merged, their instructions in turn. */
  private composeIdentity(): ServerIdentity {
    const started = this.members.filter((m) => m.session?.identity).map((m) => [m.name, m.session!.identity!] as const);
    const has = (key: string) => started.some(([, identity]) => identity.capabilities[key] !== undefined);
    const subscribe = started.some(([, identity]) => (identity.capabilities.resources as { subscribe?: boolean } | undefined)?.subscribe);
    const capabilities: Record<string, unknown> = {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: subscribe ? { subscribe: true, listChanged: true } : { listChanged: true },
    };
    if (has("logging")) capabilities.logging = {};
    if (has("completions")) capabilities.completions = {};
    const texts = started.filter(([, identity]) => identity.instructions).map(([name, identity]) => `${name}: ${identity.instructions}`);
    const instructions = [this.entry.description, ...texts].filter(Boolean).join("\n\n") || null;
    const serverInfo = { name: this.entry.name, version: this.groupSettings.clientInfo.version };
    const protocolVersion = LEGACY_VERSIONS[0];
    const handshakeResult: Record<string, unknown> = { protocolVersion, capabilities, serverInfo };
    if (instructions) handshakeResult.instructions = instructions;
    return { era: "legacy", protocolVersion, serverInfo, capabilities, instructions, handshakeResult };
  }

  /** Session.request has applied the access rules on the group's own names; what is left is the group's answer, metered. */
  protected override measured(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    const meters = this.meters;
    if (!meters) return this.dispatch(method, params, options);
    return metered(meters, method, params, new RequestClock(), this.dispatch(method, params, options));
  }

  private async dispatch(method: string, params: Record<string, unknown> | undefined, options: RequestOptions): Promise<unknown> {
    if (!isLive(this.current)) throw notRunning(this);
    const limit = this.groupSettings.maxInFlightPerSession ?? 0;
    if (limit > 0 && this.pending >= limit) {
      const error = new TooManyRequests(`session ${this.id} has ${limit} requests in flight (MCP_STATION_MAX_IN_FLIGHT_PER_SESSION)`, {
        session_id: this.id,
        max_in_flight: limit,
      });
      error.headers = { "retry-after": "1" };
      throw error;
    }
    this.pending += 1;
    this.life.active(true);
    try {
      return await this.answer(method, params ?? {}, options);
    } finally {
      this.pending -= 1;
      this.life.active(false);
    }
  }

  private answer(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<unknown> | unknown {
    switch (method) {
      case "initialize":
        return asInitializeResult(this.serverIdentity!);
      case "server/discover":
        return asDiscoverResult(this.serverIdentity!);
      case "ping":
        return {};
      case "tools/list":
        return this.catalog.listNamed("tools", options).then((tools) => ({ tools: this.shownTools(tools, options.caller) }));
      case "prompts/list":
        return this.catalog
          .listNamed("prompts", options)
          .then((prompts) => ({ prompts: this.memberAccess.prompts(prompts, options.caller) }));
      case "tools/call": {
        const owner = this.toolOwner(params.name);
        if (!owner) throw new RemoteError(ErrorCode.InvalidParams, `Unknown tool: ${String(params.name)}`);
        return this.callOwner(owner, method, params, options);
      }
      case "prompts/get": {
        const owner = typeof params.name === "string" ? this.catalog.prompts.route(params.name) : undefined;
        if (!owner) throw new RemoteError(ErrorCode.InvalidParams, `Unknown prompt: ${String(params.name)}`);
        return this.callOwner(owner, method, params, options);
      }
      case "resources/list":
        return this.catalog
          .listResources(options)
          .then((resources) => ({ resources: this.memberAccess.resources(resources, options.caller) }));
      case "resources/templates/list":
        return this.catalog
          .listTemplates(options)
          .then((resourceTemplates) => ({ resourceTemplates: this.memberAccess.templates(resourceTemplates, options.caller) }));
      case "resources/read":
      case "resources/subscribe":
      case "resources/unsubscribe":
        return this.byUri(method, params, options);
      case "completion/complete":
        return this.complete(params, options);
      case "logging/setLevel":
        if (typeof params.level === "string") this.logLevel = params.level;
        return this.toEveryMember(method, params, options);
      default:
        throw new RemoteError(
          ErrorCode.MethodNotFound,
          `Method not found: ${method} (a group serves tools, prompts, resources, completion and logging)`,
        );
    }
  }

  /**
   * The member a group's tool name belongs to, and the member's own name for it: the group's curation undone
   * (a tool it hides is not there, whatever its member offers), then the catalog's route. Undefined for no tool.
   */
  private toolOwner(name: unknown): Owner | undefined {
    if (typeof name !== "string") return undefined;
    const shown = this.groupCurator ? this.groupCurator.original(name) : name;
    return shown === undefined ? undefined : this.catalog.tools.route(shown);
  }

  /** tools/call or prompts/get: to the member whose name it is, under the member's own name. */
  private async callOwner(owner: Owner, method: string, params: Record<string, unknown>, options: RequestOptions) {
    const member = this.members.find((m) => m.name === owner.member)!;
    return callMember(member, method, { ...params, name: owner.original }, options, this.calling);
  }

  /**
   * Step-up through a group: the group's own rules on its name first (Session's); when they allow the tool,
   * the rules of the member it routes to, on the member's own name, which refuse the call there otherwise
   * (member-access.ts). A scope that would lift the member's refusal but make the group's own rules refuse
   * would not help: undefined, so the refusal stays -32017. Only asked on a refusal.
   */
  override scopeToCallTool(name: string, caller: RequestOptions["caller"]): string | undefined {
    if (!caller || !this.groupSettings.access?.enabled) return undefined;
    if (!this.mayCallTool(name, caller)) return super.scopeToCallTool(name, caller);
    const owner = this.toolOwner(name);
    const scope = owner && this.memberAccess.scopeToCallTool(owner, caller);
    if (scope === undefined) return undefined;
    return this.mayCallTool(name, { ...caller, scopes: [...(caller.scopes ?? []), scope] }) ? scope : undefined;
  }

  /**
   * resources/read, subscribe, unsubscribe: to the member that listed the URI, else the member whose
   * template matches it (templates are first-member-wins), else each running member in turn until one has it.
   */
  private async byUri(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    const uri = params.uri;
    if (typeof uri !== "string") throw new RemoteError(ErrorCode.InvalidParams, "Invalid params: uri must be a string");
    const owner = this.catalog.ownerOfUri(uri);
    if (owner) return this.onUriMember(owner, uri, method, params, options);
    let last: unknown = new RemoteError(ErrorCode.InvalidParams, `Resource not found: ${uri}`);
    for (const member of this.members) {
      if (member.session?.status !== "running" || !member.session.identity?.capabilities.resources) continue;
      try {
        return await this.onUriMember(member, uri, method, params, options);
      } catch (error) {
        if (!(error instanceof RemoteError)) throw error;
        last = error;
      }
    }
    throw last;
  }

  /** One URI request to `member`; a subscription it takes is recorded, to be sent again after the member restarts. */
  private async onUriMember(member: GroupMember, uri: string, method: string, params: Record<string, unknown>, options: RequestOptions) {
    const result = await callMember(member, method, params, options, this.calling);
    if (method === "resources/subscribe") this.subscriptions.set(uri, member.name);
    else if (method === "resources/unsubscribe") this.subscriptions.delete(uri);
    return result;
  }

  /**
   * A member that restarted knows nothing of what the group's clients set up on it (a log level, resource
   * subscriptions): sent again to its new process, as the MCP endpoint does for a single session's server.
   * What it refuses now is logged, not retried.
   */
  private replaySetup(member: GroupMember): void {
    const session = member.session;
    if (!session) return;
    const asks: [string, Record<string, unknown>][] = [];
    if (this.logLevel && session.identity?.capabilities.logging) asks.push(["logging/setLevel", { level: this.logLevel }]);
    for (const [uri, owner] of this.subscriptions) if (owner === member.name) asks.push(["resources/subscribe", { uri }]);
    for (const [method, params] of asks) {
      session.request(method, params).catch((error: Error) =>
        this.log.warn("a restarted group member refused what the group's clients had set up", {
          session_id: this.id,
          member: member.name,
          method,
          reason: error.message,
        }),
      );
    }
  }

  /** completion/complete: a prompt's by its group name, a resource template's by its URI. */
  private async complete(params: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    const ref = (params.ref ?? {}) as Record<string, unknown>;
    if (ref.type === "ref/prompt" && typeof ref.name === "string") {
      const owner = this.catalog.prompts.route(ref.name);
      if (!owner) throw new RemoteError(ErrorCode.InvalidParams, `Unknown prompt: ${ref.name}`);
      const member = this.members.find((m) => m.name === owner.member)!;
      return callMember(member, "completion/complete", { ...params, ref: { ...ref, name: owner.original } }, options, this.calling);
    }
    if (ref.type === "ref/resource" && typeof ref.uri === "string") {
      const member =
        this.members.find((m) => this.catalog.templates.exposed(m.name, ref.uri as string) !== undefined) ??
        this.catalog.ownerOfUri(ref.uri);
      if (member) return callMember(member, "completion/complete", params, options, this.calling);
    }
    throw new RemoteError(ErrorCode.InvalidParams, "Invalid params: ref names no prompt or resource of this group");
  }

  /** logging/setLevel: every running member that logs. */
  private async toEveryMember(method: string, params: Record<string, unknown>, options: RequestOptions): Promise<unknown> {
    const targets = this.members.filter((m) => m.session?.status === "running" && m.session.identity?.capabilities.logging);
    await Promise.allSettled(targets.map((m) => m.session!.request(method, params, options)));
    return {};
  }

  /** The tools a caller sees: those its members' access rules give it (member-access.ts), then the group's curation. */
  private shownTools(tools: Item[], caller: RequestOptions["caller"]): Item[] {
    const allowed = this.memberAccess.tools(tools, caller);
    return this.groupCurator ? this.groupCurator.list(allowed) : allowed;
  }

  /** The group's own rules (Session's) and those of the member the URI belongs to. */
  override mayReadResource(uri: string, caller: RequestOptions["caller"]): boolean {
    return super.mayReadResource(uri, caller) && this.memberAccess.mayRead(uri, caller);
  }

  /**
   * A modern member learns what the group's client can answer from each request's envelope: the
   * capabilities the group declared (its creator's sampling and elicitation, and roots, which it answers).
   */
  private withEnvelope(params: Record<string, unknown>): Record<string, unknown> {
    const capabilities = modernClientCapabilities(declaredCapabilities(this.launch.clientCapabilities));
    const meta = {
      ...(params._meta as Record<string, unknown> | undefined),
      ...modernEnvelope(this.groupSettings.clientInfo, capabilities),
    };
    return { ...params, _meta: meta };
  }

  /** A notification from a caller goes to every running member (roots changes, cancellations of their own ids are harmless to others). */
  override notify(method: string, params: Record<string, unknown> | undefined): void {
    if (!isLive(this.current)) throw notRunning(this);
    this.life.active(false);
    for (const member of this.members) {
      if (!member.available) continue;
      try {
        member.session!.notify(method, params);
      } catch {
        // A member that went away meanwhile misses it; its restart starts afresh.
      }
    }
  }

  override watchResource(uri: string): () => void {
    const owner = this.catalog.ownerOfUri(uri);
    return owner?.session ? owner.session.watchResource(uri) : () => {};
  }

  override setRoots(roots: Root[]): void {
    this.rootList = roots;
    for (const member of this.members) member.session?.setRoots(roots);
    this.emitChange("roots");
  }

  /** The members are checked on their own (they are sessions in the manager's set): the group answers for itself. */
  override async probe(): Promise<string> {
    if (!isLive(this.current)) throw notRunning(this);
    return "group";
  }

  override killServer(): boolean {
    return false;
  }

  /** A group has no server of its own to restart: its members do, each a session of its own. */
  override checkRestartable(): void {
    throw new BadRequest(`session ${this.id} is a group: it has no server of its own; restart a member's session instead`, {
      session_id: this.id,
    });
  }

  override async restartServer(): Promise<void> {
    await this.start();
  }

  override stop(): Promise<void> {
    this.stopAsked = true;
    this.restart.stopped();
    if (this.current === "exited" || this.current === "failed") return this.stopMembers();
    this.setStatus("stopping");
    return this.stopMembers().then(() => {
      this.life.exited({ code: 0, signal: null }, false);
      this.setStatus("exited");
      this.announceExit();
    });
  }

  private async stopMembers(): Promise<void> {
    await Promise.allSettled(
      this.members.map(async (member) => {
        clearTimeout(member.retry);
        member.detach?.();
        member.detach = undefined;
        if (member.session) await this.hooks.stopMember(member.session);
      }),
    );
  }

  /** The member sessions it holds (the manager forgets them with the group). */
  memberSessions(): Session[] {
    return this.members.flatMap((member) => (member.session ? [member.session] : []));
  }

  override info() {
    return {
      ...super.info(),
      group: {
        name: this.entry.name,
        prefix: this.entry.prefix,
        separator: this.entry.separator,
        members: this.members.map((member) => member.info()),
      },
    };
  }
}

/** A start failure's message, with the last of the server's stderr when it left some: what an operator needs first. */
function withStderr(error: unknown): string {
  const message = (error as Error).message;
  const stderr = error instanceof StationError && typeof error.details.stderr === "string" ? error.details.stderr.trim() : "";
  return stderr ? `${message}; stderr: ${stderr.slice(-500)}` : message;
}
