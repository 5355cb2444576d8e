/**
 * Keeps the store in step with the manager's set of sessions: a row is
 * written when a session joins, on every status change, spawn and roots
 * change, and deleted when the session is forgotten. Writes go through one
 * queue, in order, off the request path; a failed write is logged and
 * counted, never raised to a caller. At shutdown the record is frozen
 * first, so sessions stopped by the shutdown are still "running" in the
 * store and come back on the next start.
 */
import type { Logger } from "../log.ts";
import type { SessionObserver } from "../sessions/observed-sessions.ts";
import type { Session } from "../sessions/session.ts";
import { identifyProcess } from "./leftovers.ts";
import type { SessionStore, StoredProcess, StoredRequest, StoredSession } from "./session-store.ts";

export type SecretsMode = "keep" | "drop";

export class SessionPersistence implements SessionObserver {
  private queue: Promise<void> = Promise.resolve();
  private frozen = false;
  private readonly unsubscribe = new WeakMap<Session, () => void>();
  private readonly processes = new WeakMap<Session, StoredProcess | null>();

  constructor(
    private readonly store: SessionStore,
    private readonly secrets: SecretsMode,
    private readonly log: Logger,
    private readonly onError: () => void = () => {},
  ) {}

  added(session: Session): void {
    if (this.frozen) return;
    // A warm process handed over was spawned before anyone watched it.
    if (session.pid !== null) this.processes.set(session, identifyProcess(session.pid));
    this.unsubscribe.set(
      session,
      session.onChange((s, change) => {
        if (change === "spawned") this.processes.set(s, s.pid === null ? null : identifyProcess(s.pid));
        this.save(s, change === "status");
      }),
    );
    this.save(session, true);
  }

  removed(session: Session): void {
    this.unsubscribe.get(session)?.();
    if (this.frozen) return;
    this.enqueue(() => this.store.remove(session.id));
  }

  /** Stops recording: what the store holds now is what the next start restores. */
  async freeze(): Promise<void> {
    this.frozen = true;
    await this.queue;
  }

  /** Resolves once every write queued so far is done. */
  flushed(): Promise<void> {
    return this.queue;
  }

  private save(session: Session, statusChanged: boolean): void {
    if (this.frozen) return;
    // Read now, not when the queued write runs: the row records this moment.
    const record = this.record(session);
    const at = new Date().toISOString();
    this.enqueue(async () => {
      await this.store.save(record);
      if (statusChanged) await this.store.addStatus(record.session_id, { at, status: record.status, detail: detailOf(session) });
    });
  }

  private enqueue(write: () => Promise<void>): void {
    this.queue = this.queue.then(write).catch((error) => {
      this.onError();
      this.log.error("session store write failed", { err: error as Error });
    });
  }

  record(session: Session): StoredSession {
    const request: StoredRequest = { ...(session.spec.request ?? {}) };
    // Roots can change after create (PUT /sessions/{id}/roots): keep the current ones.
    request.roots = session.roots;
    request.restart_policy = session.restartPolicy.policy;
    request.max_restarts = session.restartPolicy.max_restarts;
    let droppedEnv: string[] = [];
    if (this.secrets === "drop" && request.env_vars && Object.keys(request.env_vars).length > 0) {
      droppedEnv = Object.keys(request.env_vars);
      request.env_vars = undefined;
    }
    const identity = session.identity;
    return {
      session_id: session.id,
      owner: session.spec.owner ?? null,
      status: session.status,
      request,
      dropped_env: droppedEnv,
      identity: identity ? { ...identity } : null,
      created_at: session.createdAt.toISOString(),
      started_at: session.startedAt?.toISOString() ?? null,
      exited_at: session.exitedAt?.toISOString() ?? null,
      restored_at: session.restoredAt?.toISOString() ?? null,
      restarts: session.restarts,
      failure_reason: session.failureReason ?? null,
      process: this.processes.get(session) ?? null,
    };
  }
}

function detailOf(session: Session): string | null {
  if (session.status === "failed") return session.failureReason ?? null;
  if (session.status === "exited" && session.exit) return session.crashed ? `crashed: code ${session.exit.code}, signal ${session.exit.signal}` : "stopped";
  if (session.status === "restarting") return `next attempt at ${session.nextRestartAt?.toISOString()}`;
  return null;
}
