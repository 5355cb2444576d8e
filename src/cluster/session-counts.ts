/**
 * Sessions counted across the cluster, from their rows: per node (for
 * GET /cluster) and a tenant's live ones on the other nodes (for
 * MCP_STATION_MAX_SESSIONS_PER_TENANT).
 *
 * A tenant's limit must hold when two nodes create at the same moment, and a
 * new session's row is written only after the count. So each create first
 * claims its place: under a transaction-scoped advisory lock of the tenant's,
 * it counts the other nodes' live rows and their claims whose row does not
 * exist yet, and adds a claim of its own, all in one transaction. Creates of
 * one tenant thus take turns for the length of that transaction only (not
 * for the server's start). A claim goes once the create has ended and its
 * row is written, or, if its node dies meanwhile, when it expires.
 */
import type { SQL } from "bun";

/** The statuses of a session that holds (or is about to hold) a server. */
const LIVE = "('starting', 'running', 'unresponsive', 'restarting')";

/** How long a claim counts without its row: longer than any create takes to write it, short enough to forget a dead node's. */
const CLAIM_TTL_S = 60;

export interface TenantClaim {
  /** The tenant's live sessions and creates in progress on the other nodes. */
  elsewhere: number;
  /** The create is over (its row is written, or it failed): the claim goes. */
  release(): Promise<void>;
}

export class SessionCounts {
  constructor(
    private readonly sql: SQL,
    private readonly p: string,
  ) {}

  async byNode(): Promise<Map<string, number>> {
    const rows = await this.sql.unsafe(`select node, count(*) as sessions from ${this.p}sessions where node is not null group by node`);
    return new Map([...rows].map((r: { node: string; sessions: string }) => [r.node, Number(r.sessions)]));
  }

  /** Claims a place for session `sessionId` of `tenant` on `nodeId`, and says how many the other nodes hold. */
  async claim(tenant: string, sessionId: string, nodeId: string): Promise<TenantClaim> {
    const { p } = this;
    const elsewhere = await this.sql.begin(async (tx) => {
      await tx.unsafe("select pg_advisory_xact_lock(hashtext($1))", [`${p}tenant:${tenant}`]);
      await tx.unsafe(`delete from ${p}tenant_claims where tenant = $1 and expires_at < now()`, [tenant]);
      const [row] = await tx.unsafe(
        `select
           (select count(*) from ${p}sessions
             where owner = $1 and node is not null and node <> $2 and status in ${LIVE})
         + (select count(*) from ${p}tenant_claims c
             where c.tenant = $1 and c.node <> $2
               and not exists (select 1 from ${p}sessions s where s.session_id = c.session_id)) as n`,
        [tenant, nodeId],
      );
      await tx.unsafe(
        `insert into ${p}tenant_claims (session_id, tenant, node, expires_at) values ($1, $2, $3, now() + make_interval(secs => $4))`,
        [sessionId, tenant, nodeId, CLAIM_TTL_S],
      );
      return Number(row?.n ?? 0);
    });
    return {
      elsewhere,
      release: async () => {
        await this.sql.unsafe(`delete from ${p}tenant_claims where session_id = $1`, [sessionId]);
      },
    };
  }
}
