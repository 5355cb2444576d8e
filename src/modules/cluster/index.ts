/**
 * `GET /cluster` (admin): the nodes of the cluster with their epochs,
 * leases and session counts, as this node reads them from PostgreSQL.
 * Registered in cluster mode only (docs/cluster.md).
 */
import { Elysia, t } from "elysia";
import type { ClusterNode } from "../../cluster/node.ts";
import { Forbidden } from "../../errors.ts";
import { ErrorBody } from "../../http/shared-models.ts";
import { callerOf } from "../../plugins/auth.ts";

const NodeView = t.Object({
  node_id: t.String(),
  epoch: t.Number(),
  state: t.Union([t.Literal("live"), t.Literal("expired"), t.Literal("dead"), t.Literal("left")]),
  advertise_url: t.String(),
  host: t.String(),
  pid: t.Number(),
  lease_until: t.String(),
  lease_ms_left: t.Number(),
  sessions: t.Number(),
});

const ClusterView = t.Object({
  node_id: t.String(),
  epoch: t.Number(),
  status: t.Union([t.Literal("joining"), t.Literal("live"), t.Literal("fenced"), t.Literal("leaving")]),
  lease_ttl_ms: t.Number(),
  nodes: t.Array(NodeView),
});

export const clusterModule = (node: ClusterNode) =>
  new Elysia({ tags: ["health"] }).get(
    "/cluster",
    async ({ request }) => {
      if (!callerOf(request).admin) throw new Forbidden("GET /cluster is for admins");
      return node.describe();
    },
    {
      response: { 200: ClusterView, 401: ErrorBody, 403: ErrorBody },
      detail: { summary: "The cluster's nodes", description: "Each node's epoch, lease and session count (cluster mode, admins only)." },
    },
  );
