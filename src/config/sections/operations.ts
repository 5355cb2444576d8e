/** Operations settings: the session store and restore, health checks, the restart policy, metrics. See settings.ts. */
import { Type } from "@sinclair/typebox";
import { RestartPolicy } from "../../sessions/launch-request.ts";
import { OnOff, choice, integer, oneOf, section, text } from "../setting.ts";

export const operations = section("operations", {
  persistence: choice({
    name: "MCP_STATION_PERSISTENCE",
    schema: OnOff,
    default: "on",
    meaning: "`on` records sessions in a store and restores them after a restart; `off` stores and restores nothing.",
  }),
  dataDir: text({
    name: "MCP_STATION_DATA_DIR",
    default: "data",
    defaultText: "`data` (relative to the working directory; `/data` in the container)",
    meaning: "Where the SQLite store `mcp-station.sqlite` lives (directory made 0700, file 0600).",
  }),
  databaseUrl: text({
    name: "MCP_STATION_DATABASE_URL",
    accept: (value) => /^postgres(ql)?:\/\//i.test(value),
    invalid: () => "MCP_STATION_DATABASE_URL must be a postgres:// or postgresql:// URL",
    defaultText: "unset (SQLite)",
    meaning: "A `postgres://` or `postgresql://` URL: keep the store in PostgreSQL instead.",
  }),
  tablePrefix: text({
    name: "MCP_STATION_TABLE_PREFIX",
    default: "mcp_station_",
    schema: Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,40}$" }),
    invalid: () => "MCP_STATION_TABLE_PREFIX must be letters, digits and underscores",
    meaning: "Prefix of the store's table names (letters, digits, underscores; up to 41 characters, not starting with a digit).",
  }),
  instance: text({
    name: "MCP_STATION_INSTANCE",
    default: "default",
    meaning:
      "Name of this station's rows in a shared store: one live station per instance, each restoring and reaping only its own sessions.",
  }),
  restore: choice({
    name: "MCP_STATION_RESTORE",
    schema: OnOff,
    default: "on",
    meaning: "`off` forgets stored sessions at start instead of restoring them (leftover servers are still ended).",
  }),
  storeSecrets: choice({
    name: "MCP_STATION_STORE_SECRETS",
    schema: oneOf(["keep", "drop"]),
    default: "keep",
    meaning:
      "`keep` stores `env_vars` values (plain text); `drop` stores names only, and such sessions come back `failed` after a restart.",
  }),
  healthIntervalMs: integer({
    name: "MCP_STATION_HEALTH_INTERVAL_MS",
    default: 30_000,
    meaning: "Interval of each session's health check (`ping` or `server/discover`); `0` turns checks off.",
  }),
  healthTimeoutMs: integer({
    name: "MCP_STATION_HEALTH_TIMEOUT_MS",
    default: 5_000,
    minimum: 1,
    meaning: "Deadline of one health check; unanswered makes the session `unresponsive`.",
  }),
  healthRestartAfter: integer({
    name: "MCP_STATION_HEALTH_RESTART_AFTER",
    default: 3,
    meaning: "Unanswered checks in a row after which a session under `on-failure` or `always` is restarted; `0`: never.",
  }),
  restartPolicy: choice({
    name: "MCP_STATION_RESTART_POLICY",
    schema: RestartPolicy,
    default: "never",
    meaning:
      "Default restart policy, `never`, `on-failure` or `always` (a request's `restart_policy` or a registry entry's `station.restart_policy` wins).",
  }),
  maxRestarts: integer({
    name: "MCP_STATION_MAX_RESTARTS",
    default: 5,
    maximum: 1000,
    meaning: "Default restart attempts in a row before the session becomes `failed`.",
  }),
  restartBackoffMs: integer({
    name: "MCP_STATION_RESTART_BACKOFF_MS",
    default: 1_000,
    minimum: 1,
    meaning: "Delay before the first restart attempt; it doubles for each attempt after it.",
  }),
  restartBackoffMaxMs: integer({
    name: "MCP_STATION_RESTART_BACKOFF_MAX_MS",
    default: 60_000,
    minimum: 1,
    meaning:
      "Cap on the restart delay (raised to `MCP_STATION_RESTART_BACKOFF_MS` if lower); a run at least this long resets the count of restarts in a row.",
  }),
  metricsMaxServers: integer({
    name: "MCP_STATION_METRICS_MAX_SERVERS",
    default: 200,
    maximum: 10_000,
    meaning:
      "Servers (registry names or command file names) with a `server` label of their own in `/metrics`; later ones count as `other`.",
  }),
  metricsMaxTools: integer({
    name: "MCP_STATION_METRICS_MAX_TOOLS",
    default: 50,
    maximum: 10_000,
    meaning:
      "Tool names per server with a `tool` label of their own in `/metrics`, first come first served; other tools' calls count as `other`.",
  }),
});
