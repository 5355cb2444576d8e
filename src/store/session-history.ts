/**
 * Each session's history, recorded as it happens: every session that joins
 * the station's set is watched (a warm process only once it is handed over),
 * what it goes through becomes entries (history-entries.ts), the newest
 * HISTORY_KEPT of them stay in memory, and each is handed to the store.
 *
 * Health checks are recorded when their outcome changes (answered after
 * unanswered or the reverse), the first one included, not one by one: a
 * check of every session every 30 s would be 120 rows an hour per session,
 * and would push the exits and restarts out of the 100 entries kept within
 * an hour. A change carries its latency or its error; the session's info
 * shows the latest check at any time.
 *
 * Read (GET /sessions/{id}/history): the store's entries, which span station
 * restarts, when it answers within 2 s and holds some for the session;
 * otherwise the entries of this run (persistence off, the store down, or the
 * session's rows gone while it lives on).
 *
 * @example
 *   const history = new SessionHistory(log, persistence);
 *   manager.observe(history);
 *   const page = await history.read(session, 20);
 */
import type { Logger } from "../log.ts";
import type { SessionObserver } from "../sessions/observed-sessions.ts";
import type { HealthCheck, SessionStatus } from "../sessions/session-info.ts";
import type { Session } from "../sessions/session.ts";
import { exitEntry, healthEntry, joinedEntry, restartEntry, statusEntry } from "./history-entries.ts";
import { HISTORY_KEPT, type HistoryEntry } from "./history-entry.ts";

/** Where entries are kept across station restarts (persistence.ts). */
export interface HistoryStore {
  /** Takes an entry to write, in order and off the request path. */
  append(session: Session, entry: HistoryEntry): void;
  /** The session's newest `limit` entries, oldest first, including those taken but not written yet. */
  read(sessionId: string, limit: number): Promise<HistoryEntry[]>;
}

export interface HistoryPage {
  session_id: string;
  /** store: every run of the station the store remembers; memory: this run's only. */
  source: "store" | "memory";
  count: number;
  entries: HistoryEntry[];
}

/** A history read waits no longer for the store; then this run's entries are served. */
const READ_DEADLINE_MS = 2_000;

interface Track {
  entries: HistoryEntry[];
  /** The status last seen: a change is read against it. */
  status: SessionStatus;
  /** The exit last recorded, so a status change to exited without a new exit is told apart. */
  exitedAt: Date | undefined;
  exitedFrom: SessionStatus | undefined;
  /** The outcome of the last health check recorded; undefined before the first. */
  answered: boolean | undefined;
  unwatch: () => void;
}

export class SessionHistory implements SessionObserver {
  private readonly tracks = new WeakMap<Session, Track>();

  constructor(
    private readonly log: Logger,
    private readonly store?: HistoryStore,
  ) {}

  added(session: Session): void {
    if (this.tracks.has(session)) return;
    const track: Track = {
      entries: [],
      status: session.status,
      exitedAt: session.exitedAt,
      exitedFrom: undefined,
      answered: undefined,
      unwatch: () => {},
    };
    this.tracks.set(session, track);
    track.unwatch = session.onChange((s, change) => {
      if (change === "status") this.changed(s, track);
    });
    this.record(session, track, joinedEntry(session));
  }

  removed(session: Session): void {
    this.tracks.get(session)?.unwatch();
    this.tracks.delete(session);
  }

  /** A health check's result, once the session has taken it (src/health/checker.ts); kept when its outcome changed. */
  checked(session: Session, check: HealthCheck): void {
    const track = this.tracks.get(session);
    if (!track || track.answered === check.ok) return;
    track.answered = check.ok;
    this.record(session, track, healthEntry(session, check));
  }

  /** The newest `limit` entries of `session`'s history, oldest first. */
  async read(session: Session, limit: number = HISTORY_KEPT): Promise<HistoryPage> {
    const page = (source: HistoryPage["source"], entries: HistoryEntry[]): HistoryPage => ({
      session_id: session.id,
      source,
      count: entries.length,
      entries,
    });
    if (this.store) {
      try {
        const stored = await withDeadline(this.store.read(session.id, limit), READ_DEADLINE_MS);
        if (stored.length > 0) return page("store", stored);
      } catch (error) {
        this.log.warn("session history: the store did not answer; serving this run's entries", {
          session_id: session.id,
          err: error as Error,
        });
      }
    }
    return page("memory", (this.tracks.get(session)?.entries ?? []).slice(-limit));
  }

  private changed(session: Session, track: Track): void {
    const previous = track.status;
    const status = session.status;
    track.status = status;
    if (status === "exited" && session.exit && session.exitedAt !== track.exitedAt) {
      track.exitedAt = session.exitedAt;
      track.exitedFrom = previous;
      this.record(session, track, exitEntry(session));
    } else if (status === "restarting") {
      this.record(session, track, restartEntry(session, track.exitedFrom));
    } else if (isHealthFlip(previous, status) && session.health) {
      // Only a health check moves a session between these two, and the session has just taken it.
      track.answered = session.health.ok;
      this.record(session, track, healthEntry(session, session.health));
    } else {
      this.record(session, track, statusEntry(session, previous));
    }
  }

  private record(session: Session, track: Track, entry: HistoryEntry): void {
    track.entries.push(entry);
    if (track.entries.length > HISTORY_KEPT) track.entries.shift();
    this.store?.append(session, entry);
  }
}

function isHealthFlip(from: SessionStatus, to: SessionStatus): boolean {
  return (from === "running" && to === "unresponsive") || (from === "unresponsive" && to === "running");
}

async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
