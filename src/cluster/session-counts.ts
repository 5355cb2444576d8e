/**
 * Sessions counted across the cluster, from their rows: per node (for
 * GET /cluster) and a tenant's live ones on the other nodes (for
 * MCP_STATION_MAX_SESSIONS_PER_TENANT). Two creates at the same moment on
 * two nodes may both see room for one more: the per-tenant limit is exact on
 * one node, and may be passed by the creates in flight at once across nodes.
 */
import type { SQL } from "bun";

/** The statuses of a session that holds (or is about to hold) a server. */
const LIVE = "('starting', 'running', 'unresponsive', 'restarting')";

export class SessionCounts {
  constructor(
    private readonly sql: SQL,
    private readonly p: string,
  ) {}

  async byNode(): Promise<Map<string, number>> {
    const rows = await this.sql.unsafe(`select node, count(*) as sessions from ${this.p}sessions where node is not null group by node`);
    return new Map([...rows].map((r: { node: string; sessions: string }) => [r.node, Number(r.sessions)]));
  }

  async tenantElsewhere(tenant: string, nodeId: string): Promise<number> {
    const [row] = await this.sql.unsafe(
      `select count(*) as n from ${this.p}sessions where owner = $1 and node is not null and node <> $2 and status in ${LIVE}`,
      [tenant, nodeId],
    );
    return Number(row?.n ?? 0);
  }
}
