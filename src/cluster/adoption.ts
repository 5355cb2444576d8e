/**
 * Taking sessions over: the rows a node claims, each by one compare-and-set
 * of its owner and generation, so two nodes never both think they won one.
 *
 * - At join, a node claims the rows that still name it (a restart before
 *   anyone adopted them, or a rejoin after a fence that nobody took over).
 * - Any node claims a share of the sessions of nodes that are dead or left:
 *   its share is the orphans divided by the live nodes, rounded up, taken with
 *   SKIP LOCKED so nodes claiming at the same moment take different rows.
 *
 * The claimed rows are restored by the store's restore path (restore.ts)
 * under their ids, owners, roots and policies, at the generation claimed.
 */
import type { SQL } from "bun";
import type { Row } from "../store/database.ts";
import { type StoredSession, fromRow } from "../store/session-store.ts";

export class Adoption {
  constructor(
    private readonly sql: SQL,
    private readonly p: string,
    private readonly nodeId: string,
  ) {}

  /** The rows that name this node, now at a new generation. */
  async claimOwn(): Promise<Claimed[]> {
    const rows = await this.sql.unsafe(`update ${this.p}sessions set generation = generation + 1 where node = $1 returning *`, [
      this.nodeId,
    ]);
    return claimed(rows);
  }

  /** This node's share of the sessions whose node is dead or left. */
  async claimOrphans(): Promise<Claimed[]> {
    const p = this.p;
    const rows = await this.sql.unsafe(
      `with counts as (
         select (select count(*) from ${p}sessions s join ${p}cluster_nodes n on n.node_id = s.node where n.state <> 'live') as orphans,
                (select count(*) from ${p}cluster_nodes where state = 'live' and lease_until >= now()) as live
       ), mine as (
         select s.session_id from ${p}sessions s join ${p}cluster_nodes n on n.node_id = s.node
         where n.state <> 'live' and s.node <> $1
         order by s.created_at
         limit (select ceil(orphans::numeric / greatest(live, 1)) from counts)
         for update of s skip locked
       )
       update ${p}sessions s set node = $1, generation = s.generation + 1 from mine
       where s.session_id = mine.session_id
       returning s.*`,
      [this.nodeId],
    );
    return claimed(rows);
  }
}

export interface Claimed {
  row: StoredSession;
  generation: number;
}

function claimed(rows: Row[]): Claimed[] {
  return [...rows].map((r) => ({ row: fromRow(r), generation: Number(r.generation) }));
}
