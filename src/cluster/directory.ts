/**
 * Which node owns each session, as this node knows it: a cache of the
 * sessions table's `node`, `generation` and `owner` columns, kept current by
 * the notifications the table's trigger sends (schema.ts). A miss, or a
 * refresh asked for by a node that no longer owns a session, reads
 * PostgreSQL: nothing answers 404 from the cache alone. When the listening
 * connection drops, notifications may have been missed: the cache is
 * emptied each time the LISTEN is (re)acknowledged.
 */
import type { SQL } from "bun";
import type { Logger } from "../log.ts";

export interface Placement {
  node: string | null;
  generation: number;
  /** The tenant that owns the session. */
  owner: string | null;
}

/** Entries kept; past it the oldest go (a miss only costs one read). */
const MAX_ENTRIES = 100_000;

export class Directory {
  private readonly cache = new Map<string, Placement>();
  private subscription: SQL.ListenSubscription | undefined;

  constructor(
    private readonly sql: SQL,
    private readonly p: string,
    private readonly channel: string,
    private readonly log: Logger,
  ) {}

  async listen(): Promise<void> {
    this.subscription = await this.sql.listen(
      this.channel,
      (payload) => this.notified(payload),
      () => this.cache.clear(),
    );
  }

  private notified(payload: string): void {
    try {
      const change = JSON.parse(payload) as {
        id: string;
        gone?: boolean;
        node?: string | null;
        generation?: number;
        owner?: string | null;
      };
      if (change.gone) this.cache.delete(change.id);
      else if (this.cache.has(change.id))
        this.remember(change.id, { node: change.node ?? null, generation: Number(change.generation), owner: change.owner ?? null });
    } catch (error) {
      this.log.warn("cluster: unreadable directory notification", { err: error as Error });
    }
  }

  /** The session's placement: cached, else read from PostgreSQL; undefined when no node has it. */
  async lookup(sessionId: string): Promise<Placement | undefined> {
    return this.cache.get(sessionId) ?? this.read(sessionId);
  }

  /** Reads the placement from PostgreSQL, past the cache. */
  async read(sessionId: string): Promise<Placement | undefined> {
    const [row] = await this.sql.unsafe(`select node, generation, owner from ${this.p}sessions where session_id = $1`, [sessionId]);
    if (!row) {
      this.cache.delete(sessionId);
      return undefined;
    }
    const placement: Placement = { node: row.node ?? null, generation: Number(row.generation), owner: row.owner ?? null };
    this.remember(sessionId, placement);
    return placement;
  }

  private remember(sessionId: string, placement: Placement): void {
    this.cache.delete(sessionId);
    this.cache.set(sessionId, placement);
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
  }

  async close(): Promise<void> {
    await this.subscription?.unlisten().catch(() => {});
  }
}
