/**
 * A PostgreSQL session-level advisory lock, held on a connection of its own.
 *
 * PostgreSQL drops the lock when the holding connection ends, so a station
 * killed with SIGKILL (its socket closed by the kernel) frees its instance at
 * once. A holder that vanishes without closing its socket (a host powered
 * off, a network cut) is found by the server's TCP keepalives, set short on
 * this connection: about 25 s instead of the kernel's two hours.
 *
 * The lock is re-asked for on every heartbeat. Advisory locks are re-entrant
 * on their connection, so while the connection lives that is a no-op; after
 * the pool silently reconnected (PostgreSQL restarted) it takes the lock
 * again, or reports that another station took it meanwhile.
 *
 * @example
 *   const lock = await lockAdvisory("postgres://db/app", "mcp-station:mcp_station_:default", log);
 *   if (!lock) throw new Error("taken");
 *   await lock.release();
 */
import { SQL } from "bun";

/** How often the lock is asked for again: how soon a reconnect takes it back, or a loss is logged. */
export const HEARTBEAT_MS = 5_000;

export interface AdvisoryLock {
  /** The lock's 64-bit key as PostgreSQL shows it in pg_locks (classid, objid are its halves). */
  readonly key: string;
  release(): Promise<void>;
}

export interface AdvisoryLockEvents {
  /** Another session holds the lock now: this station's connection was lost and someone else took the instance. */
  lost(key: string): void;
  /** The heartbeat could not reach PostgreSQL; it retries on the next beat. */
  unreachable(error: Error): void;
}

/** Takes the lock named `name` without waiting: the held lock, or undefined when another session holds it. */
export async function lockAdvisory(
  url: string,
  name: string,
  events: AdvisoryLockEvents,
  heartbeatMs: number = HEARTBEAT_MS,
): Promise<AdvisoryLock | undefined> {
  const sql = new SQL(url, {
    max: 1,
    idleTimeout: 0,
    maxLifetime: 0,
    connectionTimeout: 5,
    connection: {
      application_name: "mcp-station instance lock",
      tcp_keepalives_idle: 10,
      tcp_keepalives_interval: 5,
      tcp_keepalives_count: 3,
    },
  });
  // The key is derived by PostgreSQL from the name, so an operator can find it: select hashtextextended('<name>', 0).
  const take = async () =>
    (await sql.unsafe("select pg_try_advisory_lock(hashtextextended($1, 0)) as held, hashtextextended($1, 0)::text as key", [name]))[0] as {
      held: boolean;
      key: string;
    };
  let first: { held: boolean; key: string };
  try {
    first = await take();
  } catch (error) {
    await sql.close({ timeout: 1 }).catch(() => {});
    throw error;
  }
  if (!first.held) {
    await sql.close({ timeout: 1 }).catch(() => {});
    return undefined;
  }
  let lost = false;
  const timer = setInterval(() => {
    take().then(
      (beat) => {
        if (!beat.held && !lost) events.lost(beat.key);
        lost = !beat.held;
      },
      (error) => events.unreachable(error as Error),
    );
  }, heartbeatMs);
  timer.unref?.();
  return {
    key: first.key,
    release: async () => {
      clearInterval(timer);
      // Closing the connection ends the session, which drops every count of the re-entrant lock at once.
      await sql.close({ timeout: 2 }).catch(() => {});
    },
  };
}
