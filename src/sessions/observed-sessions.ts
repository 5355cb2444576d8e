/**
 * The manager's set of sessions, telling observers (the store, the restart
 * policy) when a session joins or leaves it, whichever path adds or removes
 * it: create, a warm process handed over, a restore, delete, the sweeper;
 * and when a warm process starts outside it.
 */
import type { Session } from "./session.ts";

export interface SessionObserver {
  added?(session: Session): void;
  removed?(session: Session): void;
  /**
   * A warm process (warm-pool.ts) is about to start: not in the set until it
   * is handed over (then `added`), but its process exists, and a station
   * killed with SIGKILL leaves it behind. Told before it spawns.
   */
  warming?(session: Session): void;
  /** A restart asked for (POST /sessions/{id}/restart) ended: the new process runs (ok), or did not start. */
  restartRequested?(session: Session, ok: boolean): void;
}

export class ObservedSessions extends Map<string, Session> {
  private readonly observers = new Set<SessionObserver>();

  observe(observer: SessionObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  override set(id: string, session: Session): this {
    const isNew = this.get(id) !== session;
    super.set(id, session);
    // Map's constructor calls set before the observers exist.
    if (isNew && this.observers) for (const o of this.observers) o.added?.(session);
    return this;
  }

  /** Tells the observers of a warm process starting outside the set. */
  warming(session: Session): void {
    for (const o of this.observers) o.warming?.(session);
  }

  /** Tells the observers how a restart asked for ended. */
  restartRequested(session: Session, ok: boolean): void {
    for (const o of this.observers) o.restartRequested?.(session, ok);
  }

  override delete(id: string): boolean {
    const session = this.get(id);
    const deleted = super.delete(id);
    if (session && this.observers) for (const o of this.observers) o.removed?.(session);
    return deleted;
  }
}
