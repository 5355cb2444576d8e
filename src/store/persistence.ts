/**
 * Keeps the store in step with the manager's set of sessions: a row is
 * written when a session joins, on every status change, spawn and roots
 * change, and deleted when the session is forgotten; each entry of a
 * session's history (session-history.ts) is added after the row it goes
 * with. Warm processes not yet handed out get a row too (status "warm"), so
 * their leftovers are reaped. Writes go through one
 * queue, in order, off the request path; a failed write is logged and
 * counted, never raised to a caller. At shutdown the record is frozen
 * first, so sessions stopped by the shutdown are still "running" in the
 * store and come back on the next start.
 *
 * A write that fails (the database is down) is not dropped: its session is
 * marked unsaved, and while any is, later writes mark their sessions too
 * instead of failing one by one. A retry with backoff (0.5 s doubling to
 * 30 s, for as long as the station runs) then writes each unsaved session's
 * current row, or its deletion, and the history entries it missed (the
 * last 20). Memory stays bounded: one entry per session.
 */
import type { Logger } from "../log.ts";
import type { SessionObserver } from "../sessions/observed-sessions.ts";
import type { SessionRequest } from "../sessions/launch-request.ts";
import type { Session } from "../sessions/session.ts";
import { identifyProcess } from "./leftovers.ts";
import type { HistoryEntry } from "./history-entry.ts";
import type { HistoryStore } from "./session-history.ts";
import type { SessionStore, StoredProcess, StoredSession } from "./session-store.ts";

export type SecretsMode = "keep" | "drop";

/** Waits between retries of failed writes; the last repeats. */
const RETRY_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** History entries kept per unsaved session; older ones are dropped from the history (the row itself is always current). */
const MISSED_CHANGES_KEPT = 20;

/** A session whose latest state the store has not taken yet. */
interface Unsaved {
  session: Session;
  removed: boolean;
  changes: HistoryEntry[];
}

export class SessionPersistence implements SessionObserver, HistoryStore {
  private queue: Promise<void> = Promise.resolve();
  private frozen = false;
  private readonly unsubscribe = new WeakMap<Session, () => void>();
  private readonly processes = new WeakMap<Session, StoredProcess | null>();
  private readonly unsaved = new Map<string, Unsaved>();
  /** Warm processes not handed out yet, each with the unsubscribe of its watcher. */
  private readonly warm = new WeakMap<Session, () => void>();
  /** Set from the first failed write until every unsaved session is written. */
  private failingSince: number | undefined;
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: SessionStore,
    private readonly secrets: SecretsMode,
    private readonly log: Logger,
    private readonly onError: () => void = () => {},
  ) {}

  /** Sessions whose latest state is not in the store yet (for /metrics). */
  get unsavedCount(): number {
    return this.unsaved.size;
  }

  added(session: Session): void {
    // A warm process handed over: from now on recorded as the caller's session.
    this.warm.get(session)?.();
    this.warm.delete(session);
    if (this.frozen) return;
    // A warm process handed over was spawned before anyone watched it.
    if (session.pid !== null) this.processes.set(session, identifyProcess(session.pid));
    this.unsubscribe.set(
      session,
      session.onChange((s, change) => {
        if (change === "spawned") this.processes.set(s, s.pid === null ? null : identifyProcess(s.pid));
        this.save(s);
      }),
    );
    this.save(session);
  }

  removed(session: Session): void {
    this.unsubscribe.get(session)?.();
    this.forget(session);
  }

  /**
   * A warm process is recorded once spawned, as status "warm": a restore
   * forgets the row but first reaps its process group, as it does a killed
   * station's other leftovers. The row goes when the process ends unused.
   */
  warming(session: Session): void {
    if (this.frozen) return;
    const unwatch = session.onChange((s, change) => {
      if (change === "spawned") {
        this.processes.set(s, s.pid === null ? null : identifyProcess(s.pid));
        this.save(s);
      } else if (change === "status" && (s.status === "exited" || s.status === "failed")) {
        unwatch();
        this.warm.delete(s);
        this.forget(s);
      }
    });
    this.warm.set(session, unwatch);
    // Spawned before the store watched (the pool fills from the manager's constructor).
    if (session.pid !== null) {
      this.processes.set(session, identifyProcess(session.pid));
      this.save(session);
    }
  }

  private forget(session: Session): void {
    if (this.frozen) return;
    if (this.failingSince !== undefined) {
      this.markUnsaved(session, true);
      return;
    }
    this.enqueue(
      () => this.store.remove(session.id),
      (error) => this.failed(error, session, true),
    );
  }

  /**
   * Stops recording: what the store holds now is what the next start restores.
   * Sessions not yet written get one more try first, as they stand before
   * the shutdown stops them.
   */
  async freeze(): Promise<void> {
    this.frozen = true;
    clearTimeout(this.retryTimer);
    await this.queue;
    if (this.unsaved.size > 0) await this.writeUnsaved();
    if (this.unsaved.size > 0) {
      this.log.error("session store: sessions not recorded at shutdown (the store does not answer)", { sessions: this.unsaved.size });
    }
  }

  /**
   * Cluster mode, a node fenced (src/cluster/node.ts): stops recording and drops what was not written, since
   * its sessions may be another node's by now; resume() records again once it has rejoined.
   */
  suspend(): void {
    this.frozen = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.unsaved.clear();
    this.failingSince = undefined;
    this.retries = 0;
  }

  resume(): void {
    this.frozen = false;
  }

  /** Resolves once every write queued so far is done (or has failed and waits for its retry). */
  flushed(): Promise<void> {
    return this.queue;
  }

  private save(session: Session): void {
    if (this.frozen) return;
    // Read now, not when the queued write runs: the row records this moment.
    const record = this.record(session);
    if (this.failingSince !== undefined) {
      this.markUnsaved(session, false);
      return;
    }
    this.enqueue(
      () => this.store.save(record),
      (error) => this.failed(error, session, false),
    );
  }

  /** An entry of the session's history (session-history.ts), written after the row it goes with. */
  append(session: Session, entry: HistoryEntry): void {
    if (this.frozen) return;
    if (this.failingSince !== undefined) {
      this.markUnsaved(session, false, entry);
      return;
    }
    this.enqueue(
      () => this.store.addHistory(session.id, entry),
      (error) => this.failed(error, session, false, entry),
    );
  }

  /**
   * The stored history, read in turn with the writes: whatever was queued before is in it, and the entries
   * the store has not taken yet (it failed) follow. The writes after it wait for it, so none slips between.
   */
  read(sessionId: string, limit: number): Promise<HistoryEntry[]> {
    const read = this.queue.then(async () => {
      const stored = await this.store.history(sessionId, limit);
      return [...stored, ...(this.unsaved.get(sessionId)?.changes ?? [])].slice(-limit);
    });
    this.queue = read.then(
      () => {},
      () => {},
    );
    return read;
  }

  private enqueue(write: () => Promise<void>, onFailure: (error: Error) => void): void {
    this.queue = this.queue.then(write).catch((error) => onFailure(error as Error));
  }

  private failed(error: Error, session: Session, removed: boolean, change?: HistoryEntry): void {
    this.onError();
    if (this.failingSince === undefined) {
      this.failingSince = Date.now();
      this.log.error("session store write failed; retrying", { err: error, session_id: session.id, retry_ms: RETRY_MS[0] });
    }
    this.markUnsaved(session, removed, change);
  }

  private markUnsaved(session: Session, removed: boolean, change?: HistoryEntry): void {
    const entry = this.unsaved.get(session.id);
    const changes = entry && entry.session === session ? entry.changes : [];
    if (change) changes.push(change);
    if (changes.length > MISSED_CHANGES_KEPT) changes.splice(0, changes.length - MISSED_CHANGES_KEPT);
    this.unsaved.set(session.id, { session, removed, changes });
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.frozen) return;
    const wait = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)]!;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.queue = this.queue.then(() => this.writeUnsaved());
    }, wait);
    this.retryTimer.unref?.();
  }

  /** Writes each unsaved session's current row (or its deletion) and missed changes; stops at the first failure and retries later. */
  private async writeUnsaved(): Promise<void> {
    const written = this.unsaved.size;
    while (this.unsaved.size > 0) {
      const [id, entry] = this.unsaved.entries().next().value!;
      // Taken out while written: a change meanwhile makes a new entry, written in a later turn of this loop.
      this.unsaved.delete(id);
      try {
        if (entry.removed) await this.store.remove(id);
        else {
          await this.store.save(this.record(entry.session));
          for (const change of entry.changes) await this.store.addHistory(id, change);
        }
      } catch (error) {
        const newer = this.unsaved.get(id);
        if (!newer) this.unsaved.set(id, entry);
        else if (newer.session === entry.session) {
          const room = MISSED_CHANGES_KEPT - newer.changes.length;
          if (room > 0) newer.changes.unshift(...entry.changes.slice(-room));
        }
        this.onError();
        this.retries += 1;
        const retryMs = RETRY_MS[Math.min(this.retries, RETRY_MS.length - 1)];
        if (!this.frozen)
          this.log.warn("session store still failing", {
            err: error as Error,
            unsaved: this.unsaved.size,
            attempt: this.retries,
            retry_ms: retryMs,
          });
        this.scheduleRetry();
        return;
      }
    }
    if (this.failingSince !== undefined) {
      this.log.info("session store writes caught up", { sessions: written, failing_ms: Date.now() - this.failingSince });
    }
    this.failingSince = undefined;
    this.retries = 0;
  }

  record(session: Session): StoredSession {
    const request: SessionRequest = { ...(session.spec.request ?? {}) };
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
      // Not a session yet: a restore must not bring a warm process back as one.
      status: this.warm.has(session) ? "warm" : session.status,
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
