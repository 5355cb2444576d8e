/**
 * Processes of registered servers for modern (2026-07-28) stateless requests
 * to /servers/{name}/mcp. Such a request carries no session, so it may go to
 * any process of that server: the pool hands out an idle one, grows by one
 * when all are busy (up to `max`), and stops processes idle longer than
 * `idleMs` (down to `min`). A pool belongs to one tenant and one registry
 * entry: processes are never shared across tenants.
 */
import type { Logger } from "../../log.ts";
import type { Caller } from "../../security/caller.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import { type Session, isTerminal } from "../../sessions/session.ts";

export interface PoolSettings {
  min: number;
  max: number;
  idleMs: number;
}

interface Pool {
  sessions: Session[];
  /** Starts under way, counted so concurrent requests cannot overshoot `max`. */
  starting: number;
  waiters: { resolve(session: Session): void; reject(error: unknown): void }[];
}

export class ServerPools {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly manager: SessionManager,
    private readonly settings: PoolSettings,
    private readonly log: Logger,
  ) {
    setInterval(() => this.sweep(), Math.max(1_000, Math.min(30_000, settings.idleMs / 2))).unref?.();
  }

  /** Every pooled session (for tests and the info endpoint). */
  sessionsOf(name: string, caller: Caller): Session[] {
    return this.pools.get(key(name, caller))?.sessions ?? [];
  }

  async acquire(name: string, caller: Caller): Promise<Session> {
    const pool = this.poolFor(name, caller);
    pool.sessions = pool.sessions.filter((session) => session.status === "running" || session.status === "starting");
    const running = pool.sessions.filter((session) => session.status === "running");
    const idle = running.find((session) => session.inFlight === 0);
    if (idle) return idle;
    if (pool.sessions.length + pool.starting < this.settings.max) return this.grow(name, caller, pool);
    if (running.length > 0) return running.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    // Every slot is still starting: wait for the first to come up.
    return new Promise((resolve, reject) => pool.waiters.push({ resolve, reject }));
  }

  private async grow(name: string, caller: Caller, pool: Pool): Promise<Session> {
    pool.starting += 1;
    try {
      // Both capabilities are declared: a legacy server's sampling or elicitation becomes input_required for the client.
      const session = await this.manager.create(
        { server: name, ephemeral: true, client_capabilities: { sampling: {}, elicitation: {} } },
        caller,
      );
      pool.sessions.push(session);
      this.log.info("pool grew", { server: name, tenant: caller.tenant, size: pool.sessions.length, session_id: session.id });
      for (const waiter of pool.waiters.splice(0)) waiter.resolve(session);
      return session;
    } catch (error) {
      // Nobody may wait on a start that failed: they get its error (a 502 with the server's stderr).
      for (const waiter of pool.waiters.splice(0)) waiter.reject(error);
      throw error;
    } finally {
      pool.starting -= 1;
    }
  }

  /** Stops processes idle past `idleMs`, keeping `min` per pool. */
  sweep(now = Date.now()): void {
    for (const [poolKey, pool] of this.pools) {
      pool.sessions = pool.sessions.filter((session) => !isTerminal(session.status));
      for (const session of [...pool.sessions]) {
        if (pool.sessions.length <= this.settings.min) break;
        if (session.inFlight === 0 && now - session.lastActivityAt >= this.settings.idleMs) {
          pool.sessions.splice(pool.sessions.indexOf(session), 1);
          this.log.info("pool shrank", { pool: poolKey, size: pool.sessions.length, session_id: session.id });
          void this.manager.delete(session.id).catch(() => {});
        }
      }
    }
  }

  private poolFor(name: string, caller: Caller): Pool {
    const poolKey = key(name, caller);
    let pool = this.pools.get(poolKey);
    if (!pool) {
      pool = { sessions: [], starting: 0, waiters: [] };
      this.pools.set(poolKey, pool);
    }
    return pool;
  }
}

const key = (name: string, caller: Caller) => `${caller.tenant}\u0000${name}`;
