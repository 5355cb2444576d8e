/**
 * The set of sessions: creation within limits, lookup, deletion, the sweeper
 * that forgets exited sessions and stops idle ones, and the station's
 * shutdown. Knows nothing of HTTP.
 */
import { CapacityExceeded, SessionNotFound, ShuttingDown } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Era } from "../mcp/versions.ts";
import { signalGroup } from "../process/groups.ts";
import { type ServerType, buildArgv, inferServerType, type Interpreters } from "./command.ts";
import type { Root } from "../mcp/client-requests.ts";
import { Session, type SessionSettings } from "./session.ts";

export interface CreateSessionInput {
  server_type?: ServerType;
  server_command: string;
  server_args?: string[];
  env_vars?: Record<string, string>;
  working_dir?: string;
  roots?: Root[];
}

export interface ManagerSettings extends SessionSettings, Interpreters {
  maxSessions: number;
  exitedTtlMs: number;
  idleTimeoutMs: number;
  shutdownTimeoutMs: number;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  /** The era each command spoke last time: a known legacy server skips the discover probe. */
  private readonly eraByCommand = new Map<string, Era>();
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private closing = false;

  constructor(
    private readonly settings: ManagerSettings,
    private readonly log: Logger,
  ) {
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
    for (const session of this.sessions.values()) if (session.status !== "exited") n += 1;
    return n;
  }

  async create(input: CreateSessionInput): Promise<Session> {
    if (this.closing) throw new ShuttingDown("the station is shutting down");
    if (this.activeCount >= this.settings.maxSessions) {
      throw new CapacityExceeded(`the station runs its maximum of ${this.settings.maxSessions} sessions`, {
        max_sessions: this.settings.maxSessions,
      });
    }
    const type = input.server_type ?? inferServerType(input.server_command);
    const args = input.server_args ?? [];
    const argv = buildArgv(type, input.server_command, args, this.settings);
    const session = new Session(
      crypto.randomUUID(),
      {
        server_type: type,
        server_command: input.server_command,
        server_args: args,
        env_vars: input.env_vars ?? {},
        working_dir: input.working_dir,
        roots: input.roots ?? [],
      },
      argv,
      this.settings,
      this.log,
    );
    // Counted from now, so concurrent creates cannot overshoot the limit.
    this.sessions.set(session.id, session);
    const eraKey = `${input.working_dir ?? ""}\0${argv.join("\0")}`;
    try {
      await session.start(this.eraByCommand.get(eraKey));
    } catch (error) {
      this.sessions.delete(session.id);
      throw error;
    }
    if (session.era) this.eraByCommand.set(eraKey, session.era);
    if (this.closing) {
      // Shutdown began while this one was starting: it must not outlive the station.
      await session.stop();
      throw new ShuttingDown("the station is shutting down");
    }
    this.log.info("session created", { session_id: session.id, pid: session.pid, argv, era: session.era });
    return session;
  }

  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw new SessionNotFound(id);
    return session;
  }

  list(): Session[] {
    return [...this.sessions.values()];
  }

  /** Stops a session's server and forgets the session. */
  async delete(id: string): Promise<Session> {
    const session = this.get(id);
    await session.stop();
    this.sessions.delete(id);
    this.log.info("session deleted", { session_id: id, exit_code: session.exit?.code ?? null, exit_signal: session.exit?.signal ?? null });
    return session;
  }

  /** Forgets exited sessions past their time; stops idle ones. */
  sweep(now = Date.now()): void {
    for (const session of this.sessions.values()) {
      if (session.status === "exited") {
        const exitedAt = session.exitedAt?.getTime() ?? now;
        if (now - exitedAt >= this.settings.exitedTtlMs) this.sessions.delete(session.id);
      } else if (
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

  /** Stops every session in parallel within the shutdown bound, then kills whatever is left. */
  async shutdown(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    const all = [...this.sessions.values()].map((session) => session.stop());
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
      if (session.pid !== null && session.status !== "exited") signalGroup(session.pid, "SIGKILL");
    }
  }
}
