/** Cluster settings: several stations on one PostgreSQL store (docs/cluster.md). See settings.ts. */
import { Type } from "@sinclair/typebox";
import { integer, section, text } from "../setting.ts";

export const cluster = section("cluster", {
  nodeId: text({
    name: "MCP_STATION_NODE_ID",
    schema: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$" }),
    invalid: () => "MCP_STATION_NODE_ID must be letters, digits, '.', '_' or '-' (up to 63, starting with a letter or digit)",
    defaultText: "unset (one station)",
    meaning:
      "This station's name in a cluster; set together with a PostgreSQL `MCP_STATION_DATABASE_URL`, it turns cluster mode on: every session is reachable through every node, and a dead node's sessions start again on the others ([cluster](cluster.md)).",
  }),
  advertiseUrl: text({
    name: "MCP_STATION_ADVERTISE_URL",
    accept: (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
    invalid: () => "MCP_STATION_ADVERTISE_URL must be an http:// or https:// URL",
    defaultText: "`http://<MCP_STATION_HOST>:<MCP_STATION_PORT>`",
    meaning: "How the other nodes reach this one (cluster mode): its base URL, to which they forward requests for its sessions.",
  }),
  clusterSecret: text({
    name: "MCP_STATION_CLUSTER_SECRET",
    schema: Type.String({ minLength: 16 }),
    invalid: () => "MCP_STATION_CLUSTER_SECRET must be at least 16 characters",
    defaultText: "unset (required in cluster mode)",
    meaning:
      "Shared by every node (16 characters or more): authenticates the requests one node forwards to another; a node in cluster mode without it refuses to start.",
  }),
  leaseTtlMs: integer({
    name: "MCP_STATION_LEASE_TTL_MS",
    default: 5_000,
    minimum: 500,
    maximum: 600_000,
    meaning:
      "How long a node's lease lasts on the database's clock, renewed every fifth of it; a node that cannot renew stops its servers before it runs out, and once it has, the others adopt its sessions.",
  }),
});
