/**
 * The set of sessions: creation within limits, lookup, deletion, the sweeper
 * that forgets exited sessions and stops idle ones, and the station's
 * shutdown. Knows nothing of HTTP.
 */
import { AccessDenied, CapacityExceeded, SessionNotFound, ShuttingDown, TooManyRequests } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Era } from "../protocol/versions.ts";
import { signalGroup } from "../process/groups.ts";
import { childEnvironment } from "../process/environment.ts";
import { type Caller, LOCAL_CALLER, mayAccess } from "../security/caller.ts";
import type { GroupEntry } from "../registry/groups.ts";
import type { RegistryChange } from "../registry/live-registry.ts";
import type { ServerEntry } from "../registry/registry.ts";
import type { CommandPolicy } from "../security/command-policy.ts";
import { planLaunch } from "../security/launch-plan.ts";
import { buildArgv, type Interpreters } from "./command.ts";
import { GroupSession } from "./group/group-session.ts";
import { namesAnySecret } from "./launch-secrets.ts";
import type { SessionRequest, SessionSpec } from "./launch-request.ts";
import { ObservedSessions, type SessionObserver } from "./observed-sessions.ts";
import { Session } from "./session.ts";
import { isTerminal } from "./session-info.ts";
import type { SessionSettings } from "./session-settings.ts";
import { checkGroupLaunch, planWarmTargets } from "./warm-plan.ts";
import { WarmPool, type WarmPoolEntry, type WarmTarget, warmKey } from "./warm-pool.ts";

export interface ManagerSettings extends SessionSettings, Interpreters {
  /** What may run (README: Security); unset means "any", the seed's behaviour. */
  commandPolicy?: CommandPolicy;
  registry?: Map<string, ServerEntry>;
  /** The registry's groups (docs/groups.md): one session for several of its servers. */
  groups?: Map<string, GroupEntry>;
  allowedCommands?: string[];
  allowedRoots?: string[];
  maxSessions: number;
  /** Sessions one tenant may hold at once; 0 or unset: only maxSessions. */
  maxSessionsPerTenant?: number;
  exitedTtlMs: number;
  idleTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Servers kept started ahead (MCP_STATION_WARM_POOL); none when unset. */
  warmPool?: WarmPoolEntry[];
}

/** A command's identity for the era cache: where it runs and what it runs. */
function eraKeyOf(session: Session): string {
  return `${session.spec.working_dir ?? ""}\0${session.argv.join("\0")}`;
}

/** A create's place among a tenant's sessions on every node, held until the create is over. */
export interface TenantPlace {
  /** The tenant's sessions and creates in progress on the other nodes. */
  elsewhere: number;
  release(): void;
}

export class SessionManager {
  private readonly sessions = new ObservedSessions();
  /** The era each command spoke last time: a known legacy server skips the discover probe. */
  private readonly eraByCommand = new Map<string, Era>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closing = false;
  private readonly pool: WarmPool | undefined;
  /** Sessions of entries a registry reload removed: stopped as soon as no request is in flight on them. */
  private readonly draining = new Set<Session>();

  constructor(
    private readonly settings: ManagerSettings,
    private readonly log: Logger,
  ) {
    if (settings.warmPool?.length) this.pool = this.startWarmPool(settings.warmPool);
    const period = Math.max(250, Math.min(5_000, settings.exitedTtlMs / 4 || 5_000, settings.idleTimeoutMs / 4 || 5_000));
    this.sweeper = setInterval(() => this.sweep(), period);
    this.sweeper.unref?.();
  }

  get shuttingDown(): boolean {
    return this.closing;
  }

  /** Sessions that hold a process (not exited). */
  get activeCount(): number {
    let n = 0;
    for (const session of this.sessions.values()) if (!isTerminal(session.status)) n += 1;
    return n;
  }

  /** Starts a session for `caller`, within the command policy and limits. Every outcome is an audit line. */
  async create(input: SessionRequest, caller: Caller = LOCAL_CALLER, memberOf?: string): Promise<Session> {
    const what = { tenant: caller.tenant, via: caller.via, server: input.server, command: input.server_command, args: input.server_args };
    try {
      const session = await this.start(input, caller, memberOf);
      this.log.info("audit: session created", { ...what, session_id: session.id, argv: session.argv, pid: session.pid });
      return session;
    } catch (error) {
      this.log.warn("audit: session refused", { ...what, reason: (error as Error).message });
      throw error;
    }
  }

  /** Refuses a registered server the access rules do not give `caller` (src/security/access-rules.ts). */
  checkMayStart(server: string, caller: Caller): void {
    const access = this.settings.access;
    if (access && !access.mayStart(caller, server)) {
      throw new AccessDenied(`server ${server} is not allowed for tenant ${caller.tenant} by the access rules`, { server });
    }
  }

  /**
   * A scope the caller's token lacks that the access rules would let start the server: what /servers/{name}/mcp's
   * step-up challenge names (src/modules/streamable-http/scope-challenge.ts). Undefined when the caller may start
   * it already, or no scope would help.
   */
  scopeToStart(server: string, caller: Caller): string | undefined {
    const access = this.settings.access;
    if (!access?.enabled || access.mayStart(caller, server)) return undefined;
    return access.scopeThatAllowsServer(caller, server);
  }

  /**
   * Cluster mode: before a create of a tenant with a session limit, its place is claimed across the
   * nodes, which says how many the tenant holds elsewhere (src/cluster/session-counts.ts).
   */
  claimTenantPlaces(claim: (tenant: string, sessionId: string) => Promise<TenantPlace>): void {
    this.claimPlace = claim;
  }

  private claimPlace: ((tenant: string, sessionId: string) => Promise<TenantPlace>) | undefined;

  private async start(input: SessionRequest, caller: Caller, memberOf?: string): Promise<Session> {
    if (this.closing) throw new ShuttingDown("the station is shutting down");
    if (input.server !== undefined) this.checkMayStart(input.server, caller);
    const perTenant = this.settings.maxSessionsPerTenant ?? 0;
    const id = crypto.randomUUID();
    // Claimed first: the checks below run with no wait between them and the set, so concurrent creates cannot overshoot.
    const place = perTenant > 0 && this.claimPlace ? await this.claimPlace(caller.tenant, id) : undefined;
    try {
      return await this.startClaimed(input, caller, id, memberOf, place?.elsewhere ?? 0);
    } finally {
      place?.release();
    }
  }

  private async startClaimed(input: SessionRequest, caller: Caller, id: string, memberOf: string | undefined, elsewhere: number) {
    const perTenant = this.settings.maxSessionsPerTenant ?? 0;
    if (this.closing) throw new ShuttingDown("the station is shutting down");
    if (this.activeCount >= this.settings.maxSessions) {
      throw new CapacityExceeded(`the station runs its maximum of ${this.settings.maxSessions} sessions`, {
        max_sessions: this.settings.maxSessions,
      });
    }
    if (
      perTenant > 0 &&
      elsewhere + this.list(caller).filter((s) => s.spec.owner === caller.tenant && !isTerminal(s.status)).length >= perTenant
    ) {
      throw new TooManyRequests(`tenant ${caller.tenant} runs its maximum of ${perTenant} sessions (MCP_STATION_MAX_SESSIONS_PER_TENANT)`, {
        max_sessions_per_tenant: perTenant,
      });
    }
    const session = this.newSession(input, caller, id, memberOf);
    // A warm process started for exactly this spec is handed over instead (warm-pool.ts), to a group's member too (its
    // group, roots and capabilities are set at hand-over or in the key); not to a group itself, which runs no process,
    // nor to a launch that names a secret: a warm process was started with the station's own tenant's.
    const warm =
      session instanceof GroupSession || namesAnySecret(session.spec) ? undefined : this.pool?.take(warmKey(session.spec, session.argv));
    if (warm) return this.handOver(warm, session.spec);
    // Warm processes only borrow free slots: a create that needs one takes it back.
    if (this.pool && this.activeCount + this.pool.processes >= this.settings.maxSessions) this.pool.evictOne();
    // Counted from now, so concurrent creates cannot overshoot the limit.
    this.sessions.set(session.id, session);
    const eraKey = eraKeyOf(session);
    try {
      await session.start(this.eraByCommand.get(eraKey));
    } catch (error) {
      this.sessions.delete(session.id);
      throw error;
    }
    if (session.era && !(session instanceof GroupSession)) this.eraByCommand.set(eraKey, session.era);
    if (this.closing) {
      // Shutdown began while this one was starting: it must not outlive the station.
      await session.stop();
      throw new ShuttingDown("the station is shutting down");
    }
    return session;
  }

  /** What `input` would run for `caller`, under the command policy: a session not yet started. */
  private newSession(input: SessionRequest, caller: Caller, id: string = crypto.randomUUID(), memberOf?: string): Session {
    const group = input.server === undefined ? undefined : this.settings.groups?.get(input.server);
    if (group) return this.newGroup(group, input, caller, id);
    const plan = planLaunch(input, {
      policy: this.settings.commandPolicy ?? "any",
      registry: this.settings.registry ?? new Map(),
      allowedCommands: this.settings.allowedCommands ?? [],
      allowedRoots: this.settings.allowedRoots ?? [],
      pathEnv: childEnvironment(undefined).PATH ?? "",
    });
    const type = plan.server_type;
    const args = plan.server_args;
    // A remote server runs nothing: its URL stands where the argv would, in logs and as its era's key.
    const argv = plan.remote ? [plan.remote.url] : buildArgv(type, plan.server_command, args, this.settings);
    return new Session(
      id,
      {
        server_type: type,
        server_command: plan.server_command,
        server_args: args,
        env_vars: plan.env_vars,
        working_dir: plan.working_dir,
        roots: input.roots ?? [],
        clientCapabilities: {
          sampling: input.client_capabilities?.sampling !== undefined,
          elicitation: input.client_capabilities?.elicitation !== undefined,
        },
        owner: caller.tenant,
        server: plan.server,
        remote: plan.remote,
        secret_env: plan.secret_env,
        request: input,
        memberOf,
        tools: plan.server === undefined ? undefined : this.settings.registry?.get(plan.server)?.tools,
      },
      argv,
      this.settings,
      this.log,
    );
  }

  /** A group session (docs/groups.md): its members are sessions of this set, started and stopped through it. */
  private newGroup(group: GroupEntry, input: SessionRequest, caller: Caller, id: string): GroupSession {
    checkGroupLaunch(group, input);
    const spec: SessionSpec = {
      server_type: "command",
      server_command: group.name,
      server_args: [],
      env_vars: {},
      roots: input.roots ?? [],
      clientCapabilities: {
        sampling: input.client_capabilities?.sampling !== undefined,
        elicitation: input.client_capabilities?.elicitation !== undefined,
      },
      owner: caller.tenant,
      server: group.name,
      request: input,
    };
    const hooks = {
      startMember: (name: string, session: GroupSession) =>
        this.create(
          {
            server: name,
            // Started by the group each time it starts: never restored on its own.
            ephemeral: true,
            roots: session.roots,
            client_capabilities: input.client_capabilities,
            restart_policy: input.restart_policy,
            max_restarts: input.max_restarts,
          },
          caller,
          session.id,
        ),
      stopMember: async (member: Session) => {
        await member.stop();
        this.sessions.delete(member.id);
      },
    };
    return new GroupSession(id, spec, group, hooks, this.settings, this.log);
  }

  /** Gives a warm process to the caller whose create matched it: from now on it is theirs alone. */
  private handOver(warm: Session, wanted: Readonly<SessionSpec>): Session {
    // The caller's own request (its restart policy, say) is what observers of the set read.
    warm.handOver({ owner: wanted.owner, request: wanted.request, memberOf: wanted.memberOf });
    this.sessions.set(warm.id, warm);
    // It started with no roots; a server that already asked is told they changed.
    if (wanted.roots.length > 0) warm.setRoots(wanted.roots);
    return warm;
  }

  /**
   * Builds the warm pool from configuration. Kept even when no entry can be planned now: a reload may add the server
   * or group an entry names (registryChanged plans them again).
   */
  private startWarmPool(entries: WarmPoolEntry[]): WarmPool {
    const pool: WarmPool = new WarmPool(this.planWarmTargets(entries), {
      // Warm processes count as sessions: together they stay within MCP_STATION_MAX_SESSIONS.
      hasRoom: () => !this.closing && this.activeCount + pool.processes < this.settings.maxSessions,
      warming: (session) => this.sessions.warming(session),
      log: this.log,
    });
    pool.fill();
    return pool;
  }

  /**
   * After a reload, the pool's entries that name a registry server or group are planned again (an explicit command
   * does not depend on the registry): the pool replaces what changed (warm-pool.ts `replan`). Processes already
   * handed out are sessions, and follow the reload's rules for sessions (registryChanged).
   */
  private replanWarmPool(): void {
    const named = this.settings.warmPool?.filter((entry) => entry.server !== undefined) ?? [];
    if (!this.pool || named.length === 0 || this.closing) return;
    try {
      this.pool.replan(this.planWarmTargets(named));
    } catch (error) {
      // A reload listener must not throw (the registry would log it as its own failure); the pool keeps what it had.
      this.log.error("warm pool: planning again after a registry reload failed", { reason: (error as Error).message });
    }
  }

  /** What the warm pool keeps for `entries`, against the registry in force (warm-plan.ts). */
  private planWarmTargets(entries: WarmPoolEntry[]): WarmTarget[] {
    return planWarmTargets(entries, {
      groups: this.settings.groups,
      newSession: (input) => this.newSession(input, LOCAL_CALLER),
      eras: {
        known: (session) => this.eraByCommand.get(eraKeyOf(session)),
        learned: (session) => {
          if (session.era) this.eraByCommand.set(eraKeyOf(session), session.era);
        },
      },
      log: this.log,
    });
  }

  /**
   * Tells `observer` when a session joins or leaves the set (the store, the
   * restart policy), and when a warm process starts: at once for those the
   * pool already holds, since the pool fills from the constructor.
   */
  observe(observer: SessionObserver): () => void {
    const unobserve = this.sessions.observe(observer);
    for (const warm of this.pool?.held() ?? []) observer.warming?.(warm);
    return unobserve;
  }

  /** Whether `id` is one of this run's sessions or warm processes (a restore leaves those alone). */
  holds(id: string): boolean {
    return this.sessions.has(id) || (this.pool?.held().some((warm) => warm.id === id) ?? false);
  }

  /**
   * A session to restore after a station restart: planned again from the
   * stored request under the current policy, with its old id and owner. One
   * the policy now refuses comes back failed, with the reason. Not started
   * and not yet in the set.
   */
  prepareRestore(input: SessionRequest, owner: string, id: string): Session {
    try {
      return this.newSession(input, { tenant: owner, admin: false, via: "local" }, id);
    } catch (error) {
      // Still listed, as failed, so its owner learns why it did not come back.
      const spec: SessionSpec = {
        server_type: input.server_type ?? "command",
        server_command: input.server_command ?? input.server ?? "",
        server_args: input.server_args ?? [],
        env_vars: {},
        working_dir: input.working_dir,
        roots: input.roots ?? [],
        owner,
        server: input.server,
        request: input,
      };
      const session = new Session(id, spec, [], this.settings, this.log);
      session.markFailed(`could not be restored: ${(error as Error).message}`);
      return session;
    }
  }

  /** Puts a restored (or failed-to-restore) session into the set; the caller starts it. */
  adopt(session: Session): void {
    if (this.closing) throw new ShuttingDown("the station is shutting down");
    this.sessions.set(session.id, session);
  }

  /** The warm pool's entries and how many processes each holds ready (empty without a pool). */
  warmPoolStatus() {
    return this.pool?.status() ?? [];
  }

  /** The session, if `caller` may see it: another tenant's session is not found, so its existence is not disclosed. */
  get(id: string, caller: Caller = LOCAL_CALLER): Session {
    const session = this.sessions.get(id);
    if (!session || !mayAccess(caller, session.spec.owner ?? LOCAL_CALLER.tenant)) throw new SessionNotFound(id);
    return session;
  }

  /** The sessions `caller` may see (all of them for an admin). */
  list(caller: Caller = LOCAL_CALLER): Session[] {
    return [...this.sessions.values()].filter((session) => mayAccess(caller, session.spec.owner ?? LOCAL_CALLER.tenant));
  }

  /** Stops a session's server and starts it again (POST /sessions/{id}/restart): the session keeps its id. */
  async restart(id: string, caller: Caller = LOCAL_CALLER): Promise<Session> {
    const session = this.get(id, caller);
    this.log.info("audit: session restart asked", { session_id: id, tenant: caller.tenant, owner: session.spec.owner, via: caller.via });
    // Refused before anything happens: no attempt to count.
    session.checkRestartable();
    try {
      await session.restartOnRequest();
    } catch (error) {
      this.sessions.restartRequested(session, false);
      throw error;
    }
    // A delete meanwhile wins: no restart happened.
    if (!session.stopRequested) this.sessions.restartRequested(session, true);
    return session;
  }

  /** Stops a session's server and forgets the session. */
  async delete(id: string, caller: Caller = LOCAL_CALLER): Promise<Session> {
    const session = this.get(id, caller);
    await session.stop();
    this.sessions.delete(id);
    // Its slot is free again: the warm pool may use it.
    this.pool?.fill();
    this.log.info("audit: session deleted", {
      session_id: id,
      tenant: caller.tenant,
      owner: session.spec.owner,
      via: caller.via,
      argv: session.argv,
      exit_code: session.exit?.code ?? null,
      exit_signal: session.exit?.signal ?? null,
    });
    return session;
  }

  /**
   * A registry reload (src/registry/live-registry.ts) changed entries. New sessions use the new entries
   * already (they are read at each create); here the running ones follow: a changed group's sessions
   * update their members, and the sessions of a removed entry are drained (docs/groups.md, Reload). The warm
   * pool's processes waiting for a launch that changed or went are replaced or stopped.
   */
  registryChanged(change: RegistryChange): void {
    const removed = new Set(change.removed);
    for (const session of this.sessions.values()) {
      if (isTerminal(session.status) || session.spec.memberOf !== undefined || session.spec.server === undefined) continue;
      const group = change.groups.get(session.spec.server);
      if (session instanceof GroupSession && group && change.changed.includes(group.name)) {
        void session
          .updateMembers(group)
          .catch((error) => this.log.error("group update failed", { session_id: session.id, reason: (error as Error).message }));
      } else if (removed.has(session.spec.server)) {
        this.log.info("draining a session whose registry entry was removed", { session_id: session.id, server: session.spec.server });
        this.draining.add(session);
      }
    }
    this.drain();
    this.replanWarmPool();
  }

  /** Stops the draining sessions that have no request in flight. */
  private drain(): void {
    for (const session of this.draining) {
      if (isTerminal(session.status)) this.draining.delete(session);
      else if (session.inFlight === 0) {
        this.draining.delete(session);
        this.log.info("audit: session drained", { session_id: session.id, server: session.spec.server, owner: session.spec.owner });
        void session.stop();
      }
    }
  }

  /** Forgets exited sessions past their time; stops idle ones. */
  sweep(now = Date.now()): void {
    this.drain();
    // Slots freed by servers that exited on their own are refilled here.
    this.pool?.fill();
    for (const session of this.sessions.values()) {
      if (isTerminal(session.status)) {
        const exitedAt = session.exitedAt?.getTime() ?? now;
        if (now - exitedAt >= this.settings.exitedTtlMs) this.sessions.delete(session.id);
      } else if (
        // A group's member is idle when its group is: the group stops it.
        session.spec.memberOf === undefined &&
        this.settings.idleTimeoutMs > 0 &&
        session.status === "running" &&
        session.inFlight === 0 &&
        now - session.lastActivityAt >= this.settings.idleTimeoutMs
      ) {
        this.log.info("stopping idle session", { session_id: session.id });
        void session.stop();
      }
    }
  }

  /**
   * Cluster mode, a node that lost its lease (src/cluster/node.ts): every server is killed at once (SIGKILL
   * of its group, no grace: another node may start it as soon as the lease runs out) and the sessions are
   * forgotten. The caller has stopped the store's recording first, so their rows stay as they were.
   */
  abandonAll(): number {
    const all = [...this.sessions.values()];
    for (const session of all) {
      this.sessions.delete(session.id);
      if (session.pid !== null && !isTerminal(session.status)) signalGroup(session.pid, "SIGKILL");
      void session.stop().catch(() => {});
    }
    return all.length;
  }

  /** Stops every session in parallel within the shutdown bound, then kills whatever is left. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const all = [...this.sessions.values()].map((session) => session.stop());
    if (this.pool) all.push(this.pool.shutdown());
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(all),
      new Promise((resolve) => {
        timer = setTimeout(resolve, this.settings.shutdownTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    // Whatever did not stop in time is killed outright. Only this manager's groups:
    // several stations may share a process (tests), and index.ts kills all groups at exit.
    for (const session of this.sessions.values()) {
      if (session.pid !== null && !isTerminal(session.status)) signalGroup(session.pid, "SIGKILL");
    }
  }
}
