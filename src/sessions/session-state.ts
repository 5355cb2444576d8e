/**
 * A session as the rest of the station sees it: its status, the facts of
 * its runs (timeline, exit, restarts, health, the server's identity), its
 * info, and the notifications when any of it changes. Everything here is
 * read-only from outside: only the session's own transitions (session.ts,
 * the state machine that extends this) change it.
 */
import type { Logger } from "../log.ts";
import type { Root } from "../protocol/client-requests.ts";
import type { ServerIdentity } from "../protocol/handshake.ts";
import type { Era } from "../protocol/versions.ts";
import type { ExitInfo } from "../process/server-link.ts";
import type { StderrLine } from "../process/stderr-log.ts";
import { EventBuffer } from "./event-buffer.ts";
import type { SessionSpec } from "./launch-request.ts";
import { Lifetime } from "./lifetime.ts";
import { type PolicyInForce, RestartState } from "./restart-state.ts";
import type { HealthCheck, SessionInfo, SessionStatus } from "./session-info.ts";

/** What changed, for observers that keep a record of the session (the store). */
export type SessionChange = "status" | "spawned" | "roots";

export abstract class SessionState {
  readonly events: EventBuffer;
  protected current: SessionStatus = "starting";
  protected launch: SessionSpec;
  protected rootList: Root[];
  protected serverIdentity: ServerIdentity | undefined;
  protected lastHealth: HealthCheck | undefined;
  /** True from stop() until the next start(): the station was asked to end it, so no restart policy applies. */
  protected stopAsked = false;
  /** A restart was asked for (POST /sessions/{id}/restart) and is under way. */
  protected restartAsked = false;
  protected readonly life = new Lifetime();
  protected readonly restart = new RestartState();
  // Typed with the base class, not `this`: a subclass (a group session) stays assignable to its base.
  private readonly exitListeners = new Set<(session: SessionState) => void>();
  private readonly changeListeners = new Set<(session: SessionState, change: SessionChange) => void>();
  /** Live readers of stderr (SSE): kept apart from the event buffer so a stderr flood cannot evict notifications. */
  private readonly stderrListeners = new Set<(line: StderrLine) => void>();

  constructor(
    readonly id: string,
    spec: SessionSpec,
    eventBufferSize: number,
    protected readonly log: Logger,
  ) {
    this.launch = spec;
    this.rootList = spec.roots;
    this.events = new EventBuffer(eventBufferSize);
  }

  abstract get pid(): number | null;
  /** Callers' requests waiting on the server. */
  abstract get inFlight(): number;

  get status(): SessionStatus {
    return this.current;
  }
  get spec(): Readonly<SessionSpec> {
    return this.launch;
  }
  get roots(): Root[] {
    return this.rootList;
  }
  get identity(): ServerIdentity | undefined {
    return this.serverIdentity;
  }
  get era(): Era | undefined {
    return this.serverIdentity?.era;
  }
  get health(): HealthCheck | undefined {
    return this.lastHealth;
  }
  get stopRequested(): boolean {
    return this.stopAsked;
  }
  get restartRequested(): boolean {
    return this.restartAsked;
  }
  get createdAt(): Date {
    return this.life.createdAt;
  }
  get startedAt(): Date | undefined {
    return this.life.startedAt;
  }
  get exitedAt(): Date | undefined {
    return this.life.exitedAt;
  }
  get exit(): ExitInfo | undefined {
    return this.life.exit;
  }
  get crashed(): boolean {
    return this.life.crashed;
  }
  get restoredAt(): Date | undefined {
    return this.life.restoredAt;
  }
  get lastActivityAt(): number {
    return this.life.lastActivityAt;
  }
  get requestsTotal(): number {
    return this.life.requestsTotal;
  }
  get restartPolicy(): Readonly<PolicyInForce> {
    return this.restart.policy;
  }
  get restarts(): number {
    return this.restart.restarts;
  }
  get nextRestartAt(): Date | undefined {
    return this.restart.nextAttemptAt;
  }
  get failureReason(): string | undefined {
    return this.restart.failureReason;
  }

  onExit(listener: (session: this) => void): void {
    this.exitListeners.add(listener as (session: SessionState) => void);
  }

  /** Calls `listener` on each status change, spawn and roots change; returns the unsubscribe function. */
  onChange(listener: (session: this, change: SessionChange) => void): () => void {
    const stored = listener as (session: SessionState, change: SessionChange) => void;
    this.changeListeners.add(stored);
    return () => this.changeListeners.delete(stored);
  }

  /** Calls `listener` with each stderr line from now on; returns the unsubscribe function. */
  onStderr(listener: (line: StderrLine) => void): () => void {
    this.stderrListeners.add(listener);
    return () => this.stderrListeners.delete(listener);
  }

  info(): SessionInfo {
    const { launch: spec, serverIdentity: identity } = this;
    return {
      session_id: this.id,
      server_type: spec.server_type,
      status: this.current,
      pid: this.pid,
      server_command: spec.server_command,
      server_args: spec.server_args,
      working_dir: spec.working_dir ?? null,
      env_keys: [...Object.keys(spec.env_vars), ...Object.keys(spec.secret_env ?? {})],
      ...this.life.info(),
      owner: spec.owner ?? null,
      server: spec.server ?? null,
      era: identity?.era ?? null,
      era_source: identity?.eraSource ?? null,
      protocol_version: identity?.protocolVersion ?? null,
      server_info: identity?.serverInfo ?? null,
      capabilities: identity?.capabilities ?? null,
      instructions: identity?.instructions ?? null,
      roots: this.rootList,
      in_flight: this.inFlight,
      ...this.restart.info(),
      health: this.lastHealth ?? null,
      ...(spec.memberOf === undefined ? {} : { member_of: spec.memberOf }),
    };
  }

  protected setStatus(status: SessionStatus): void {
    if (this.current === status) return;
    this.current = status;
    const data: Record<string, unknown> = { status };
    const exit = this.life.exit;
    if (status === "exited")
      Object.assign(data, { exit_code: exit?.code ?? null, exit_signal: exit?.signal ?? null, crashed: this.life.crashed });
    if (status === "failed") data.reason = this.restart.failureReason ?? null;
    this.events.push("status", data);
    this.emitChange("status");
    this.restart.statusChanged(status);
  }

  protected emitChange(change: SessionChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(this, change);
      } catch (error) {
        this.log.error("session observer failed", { session_id: this.id, err: error as Error });
      }
    }
  }

  protected announceExit(): void {
    for (const listener of this.exitListeners) listener(this);
  }

  protected relayStderr(line: StderrLine): void {
    for (const listener of this.stderrListeners) {
      try {
        listener(line);
      } catch {
        // A broken reader must not stop the drain.
      }
    }
  }
}
