/**
 * What the station tells about a session: Session.info() builds it, and
 * POST/GET/DELETE /sessions answer with it (src/modules/sessions/model.ts
 * uses this schema as their response). One definition for both, so the
 * answer and its documented shape cannot drift apart.
 *
 * @example
 *   const info: SessionInfo = session.info();
 *   info.status; // "running"
 */
import { type SchemaOptions, type Static, type TSchema, Type } from "@sinclair/typebox";
import { RestartPolicy, Root } from "./launch-request.ts";

export const SessionStatus = Type.Union([
  Type.Literal("starting"),
  Type.Literal("running"),
  Type.Literal("unresponsive"),
  Type.Literal("stopping"),
  Type.Literal("exited"),
  Type.Literal("restarting"),
  Type.Literal("failed"),
]);
export type SessionStatus = Static<typeof SessionStatus>;

/** A server that takes requests: running, or running but missing its health checks (it may just be slow). */
export function isLive(status: SessionStatus): boolean {
  return status === "running" || status === "unresponsive";
}

/** No process and none coming: exited, or failed (could not be restored, or gave up restarting). */
export function isTerminal(status: SessionStatus): boolean {
  return status === "exited" || status === "failed";
}

/** As Elysia's t.Nullable writes it: the `nullable` flag is what its OpenAPI document shows. */
const nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) =>
  Type.Union([schema, Type.Null()], { ...options, nullable: true });

/** The last health check (src/health/checker.ts). */
export const HealthCheck = Type.Object(
  {
    at: Type.String(),
    ok: Type.Boolean(),
    method: Type.String({ description: "ping (legacy) or server/discover (2026-07-28)" }),
    latency_ms: nullable(Type.Number()),
    error: nullable(Type.String()),
    consecutive_failures: Type.Integer(),
  },
  { description: "The last health check (MCP_STATION_HEALTH_INTERVAL_MS)" },
);
export type HealthCheck = Static<typeof HealthCheck>;

export const SessionInfo = Type.Object(
  {
    session_id: Type.String(),
    server_type: Type.String(),
    status: SessionStatus,
    created_at: Type.String(),
    pid: nullable(Type.Integer()),
    server_command: Type.String(),
    server_args: Type.Array(Type.String()),
    working_dir: nullable(Type.String()),
    env_keys: Type.Array(Type.String(), { description: "Names of env_vars given; values are never shown" }),
    started_at: nullable(Type.String()),
    exited_at: nullable(Type.String()),
    exit_code: nullable(Type.Integer()),
    exit_signal: nullable(Type.String()),
    exit_reason: Type.Optional(
      nullable(Type.String({ description: "How the server ended, e.g. killed by SIGXCPU: CPU time limit reached" })),
    ),
    owner: Type.Optional(nullable(Type.String({ description: "The tenant that created the session" }))),
    server: Type.Optional(nullable(Type.String({ description: "The registry entry it was started from" }))),
    crashed: Type.Boolean({ description: "The server exited without the station asking it to" }),
    era: nullable(Type.Union([Type.Literal("legacy"), Type.Literal("modern")])),
    era_source: nullable(Type.Union([Type.Literal("probe"), Type.Literal("cache")]), {
      description: "How the era was found: the discover probe, or the cache for this command",
    }),
    protocol_version: nullable(Type.String()),
    server_info: nullable(Type.Any()),
    capabilities: nullable(Type.Any()),
    instructions: nullable(Type.String()),
    roots: Type.Array(Root),
    in_flight: Type.Integer(),
    requests_total: Type.Integer(),
    last_activity_at: Type.String(),
    restored: Type.Optional(Type.Boolean({ description: "The session came back after a station restart" })),
    restored_at: Type.Optional(nullable(Type.String({ description: "When it was restored" }))),
    restart_policy: Type.Optional(RestartPolicy),
    max_restarts: Type.Optional(Type.Integer({ description: "Restarts in a row the policy allows before the session fails" })),
    restarts: Type.Optional(
      Type.Integer({
        description: "Times the server was started again: by the restart policy, or asked for (POST /sessions/{id}/restart)",
      }),
    ),
    next_restart_at: Type.Optional(nullable(Type.String({ description: "While restarting: when the next attempt is due" }))),
    failure_reason: Type.Optional(nullable(Type.String({ description: "Why the session failed (status failed)" }))),
    health: Type.Optional(nullable(HealthCheck)),
    member_of: Type.Optional(Type.String({ description: "The group session this session is a member of (docs/groups.md)" })),
    group: Type.Optional(
      Type.Object(
        {
          name: Type.String(),
          prefix: Type.String(),
          separator: Type.String(),
          members: Type.Array(
            Type.Object({
              name: Type.String(),
              session_id: nullable(Type.String()),
              status: Type.String(),
              pid: nullable(Type.Integer()),
              error: nullable(Type.String()),
              tools: Type.Integer(),
              prompts: Type.Integer(),
            }),
          ),
        },
        { description: "A group session's members and their state (docs/groups.md)" },
      ),
    ),
  },
  { additionalProperties: true },
);
export type SessionInfo = Static<typeof SessionInfo>;
