/**
 * This node's lease, on the database's clock. Joining writes the node's row
 * with a new epoch (one more than its last), and only when no live process
 * holds that node id: the row is taken over when it is dead, left, or its
 * lease ran out. Renewal moves `lease_until` to now() + TTL, conditional on
 * the epoch this process joined with, so a process that was declared dead
 * and replaced can never renew the newer one's lease.
 *
 * The node also keeps its own deadline on its monotonic clock: the moment it
 * sent the last successful renewal plus the TTL. The database set the lease
 * from a later now(), so the lease cannot run out before that deadline; a
 * node that stops its servers a renewal interval before it (node.ts: fence)
 * has them gone before any other node may declare it dead.
 *
 * Declaring dead is one statement, `update ... where state = 'live' and
 * lease_until < now()` over rows locked with SKIP LOCKED: however many
 * survivors run it at once, each dead node is declared by exactly one.
 */
import { hostname } from "node:os";
import type { SQL } from "bun";

export type NodeState = "live" | "dead" | "left";

export interface NodeRecord {
  node_id: string;
  epoch: number;
  advertise_url: string;
  host: string;
  pid: number;
  state: NodeState;
  lease_until: string;
  /** Milliseconds the lease has left on the database's clock when read (negative: expired). */
  lease_ms_left: number;
  /** Live and within its lease. */
  live: boolean;
}

export class NodeIdTaken extends Error {}

export interface MembershipOptions {
  nodeId: string;
  advertiseUrl: string;
  leaseTtlMs: number;
}

export class Membership {
  /** The epoch this process joined with; 0 before it joins. */
  epoch = 0;
  /** performance.now() after which this node's lease may have run out. */
  deadline = 0;
  private view = new Map<string, NodeRecord>();
  private reading: Promise<NodeRecord[]> | undefined;

  /**
   * @param sql the lease's own connection: join, renew, leave, declare
   * @param reads where the view is read, so that a burst of reads never delays a renewal
   */
  constructor(
    private readonly sql: SQL,
    private readonly reads: SQL,
    private readonly p: string,
    private readonly options: MembershipOptions,
  ) {}

  get nodeId(): string {
    return this.options.nodeId;
  }

  /** Joins with a new epoch; throws NodeIdTaken when a live process holds the node id. */
  async join(): Promise<number> {
    const sent = performance.now();
    const rows = await this.sql.unsafe(
      `insert into ${this.p}cluster_nodes as n (node_id, epoch, advertise_url, host, pid, state, lease_until, joined_at, renewed_at)
       values ($1, 1, $2, $3, $4, 'live', now() + $5 * interval '1 millisecond', now(), now())
       on conflict (node_id) do update set epoch = n.epoch + 1, advertise_url = excluded.advertise_url, host = excluded.host,
         pid = excluded.pid, state = 'live', lease_until = excluded.lease_until, joined_at = now(), renewed_at = now()
       where n.state <> 'live' or n.lease_until < now()
       returning epoch`,
      [this.options.nodeId, this.options.advertiseUrl, hostname(), process.pid, this.options.leaseTtlMs],
    );
    if (rows.length === 0) {
      const [holder] = await this.sql.unsafe(
        `select host, pid, epoch, extract(epoch from (lease_until - now())) * 1000 as left_ms from ${this.p}cluster_nodes where node_id = $1`,
        [this.options.nodeId],
      );
      throw new NodeIdTaken(
        `the node id "${this.options.nodeId}" is held by a live station (pid ${holder?.pid} on ${holder?.host}, epoch ${holder?.epoch}); ` +
          "give each station its own MCP_STATION_NODE_ID, or wait until that one stops",
      );
    }
    this.epoch = Number(rows[0].epoch);
    this.deadline = sent + this.options.leaseTtlMs;
    return this.epoch;
  }

  /** Extends the lease; false when this process's epoch no longer holds it (declared dead, or replaced). */
  async renew(): Promise<boolean> {
    const sent = performance.now();
    const rows = await this.sql.unsafe(
      `update ${this.p}cluster_nodes set lease_until = now() + $3 * interval '1 millisecond', renewed_at = now()
       where node_id = $1 and epoch = $2 and state = 'live' and lease_until >= now() returning epoch`,
      [this.options.nodeId, this.epoch, this.options.leaseTtlMs],
    );
    if (rows.length === 0) return false;
    this.deadline = sent + this.options.leaseTtlMs;
    return true;
  }

  /** Gives the lease up at once (SIGTERM hand-over): the others adopt this node's sessions without waiting for it to run out. */
  async leave(): Promise<void> {
    await this.sql.unsafe(`update ${this.p}cluster_nodes set state = 'left' where node_id = $1 and epoch = $2`, [
      this.options.nodeId,
      this.epoch,
    ]);
  }

  /** Declares every node whose lease ran out dead; returns those this node declared (each is declared by one node only). */
  async declareDead(): Promise<{ node_id: string; epoch: number }[]> {
    const rows = await this.sql.unsafe(
      `update ${this.p}cluster_nodes set state = 'dead'
       where node_id in (
         select node_id from ${this.p}cluster_nodes where state = 'live' and lease_until < now() for update skip locked
       ) and state = 'live' and lease_until < now()
       returning node_id, epoch`,
    );
    return [...rows].map((r: { node_id: string; epoch: string | number }) => ({ node_id: r.node_id, epoch: Number(r.epoch) }));
  }

  /** Reads every node's row; the view is kept for the router (owner addresses, who is live). Concurrent calls share one read. */
  refresh(): Promise<NodeRecord[]> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<NodeRecord[]> {
    const rows = await this.reads.unsafe(
      `select node_id, epoch, advertise_url, host, pid, state, lease_until,
         extract(epoch from (lease_until - now())) * 1000 as lease_ms_left
       from ${this.p}cluster_nodes order by node_id`,
    );
    const nodes: NodeRecord[] = [...rows].map((r: Record<string, unknown>) => {
      const leftMs = Math.round(Number(r.lease_ms_left));
      return {
        node_id: String(r.node_id),
        epoch: Number(r.epoch),
        advertise_url: String(r.advertise_url),
        host: String(r.host),
        pid: Number(r.pid),
        state: r.state as NodeState,
        lease_until: new Date(r.lease_until as string).toISOString(),
        lease_ms_left: leftMs,
        live: r.state === "live" && leftMs >= 0,
      };
    });
    this.view = new Map(nodes.map((node) => [node.node_id, node]));
    return nodes;
  }

  /** The last view of a node (refresh() keeps it current). */
  node(nodeId: string): NodeRecord | undefined {
    return this.view.get(nodeId);
  }

  /** The live nodes of the last view. */
  liveNodes(): NodeRecord[] {
    return [...this.view.values()].filter((node) => node.live);
  }
}
