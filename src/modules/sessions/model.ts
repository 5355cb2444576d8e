/** TypeBox models of the sessions API. Field names are the seed's contract. */
import { t } from "elysia";

export const Root = t.Object({ uri: t.String({ minLength: 1 }), name: t.Optional(t.String()) });

export const CreateSessionBody = t.Object(
  {
    server: t.Optional(
      t.String({ minLength: 1, maxLength: 128, description: "A registered server's name (GET /servers), instead of server_command" }),
    ),
    server_type: t.Optional(
      t.Union([t.Literal("python"), t.Literal("node"), t.Literal("command")], {
        description:
          "python or node run server_command with the configured interpreter; command runs it as an executable. Inferred from the file extension when left out.",
      }),
    ),
    server_command: t.Optional(
      t.String({
        minLength: 1,
        maxLength: 4096,
        description: "A script path (python, node) or an executable (command); required unless server is given",
      }),
    ),
    server_args: t.Optional(t.Array(t.String({ maxLength: 65536 }), { maxItems: 1024 })),
    env_vars: t.Optional(t.Record(t.String({ minLength: 1, maxLength: 1024 }), t.String({ maxLength: 65536 }))),
    working_dir: t.Optional(t.String({ minLength: 1, maxLength: 4096 })),
    roots: t.Optional(t.Array(Root, { maxItems: 256, description: "Answered to the server's roots/list" })),
    // A union of literals, not t.UnionEnum: Elysia gives a UnionEnum its first value as default, which would hide the station's default.
    restart_policy: t.Optional(
      t.Union([t.Literal("never"), t.Literal("on-failure"), t.Literal("always")], {
        description:
          "When the server exits by itself: never restart it, restart it after a failure (non-zero exit, a signal, or unresponsive), or always. Default MCP_STATION_RESTART_POLICY or the registry entry's.",
      }),
    ),
    max_restarts: t.Optional(
      t.Integer({ minimum: 0, maximum: 1000, description: "Restarts in a row before the session fails; default MCP_STATION_MAX_RESTARTS" }),
    ),
    client_capabilities: t.Optional(
      t.Object(
        {
          sampling: t.Optional(t.Object({}, { additionalProperties: true })),
          elicitation: t.Optional(t.Object({}, { additionalProperties: true })),
        },
        {
          additionalProperties: false,
          description:
            "Client capabilities declared to a legacy server at initialize (besides roots). Its sampling and elicitation requests go to an attached live client (WebSocket, /sessions/{id}/mcp) that declared the same; with none attached they get an immediate error.",
        },
      ),
    ),
  },
  { additionalProperties: false },
);

export const SessionInfo = t.Object(
  {
    session_id: t.String(),
    server_type: t.String(),
    status: t.UnionEnum(["starting", "running", "unresponsive", "stopping", "exited", "restarting", "failed"]),
    created_at: t.String(),
    pid: t.Nullable(t.Integer()),
    server_command: t.String(),
    server_args: t.Array(t.String()),
    working_dir: t.Nullable(t.String()),
    env_keys: t.Array(t.String(), { description: "Names of env_vars given; values are never shown" }),
    started_at: t.Nullable(t.String()),
    exited_at: t.Nullable(t.String()),
    exit_code: t.Nullable(t.Integer()),
    exit_signal: t.Nullable(t.String()),
    exit_reason: t.Optional(t.Nullable(t.String({ description: "How the server ended, e.g. killed by SIGXCPU: CPU time limit reached" }))),
    owner: t.Optional(t.Nullable(t.String({ description: "The tenant that created the session" }))),
    server: t.Optional(t.Nullable(t.String({ description: "The registry entry it was started from" }))),
    crashed: t.Boolean({ description: "The server exited without the station asking it to" }),
    era: t.Nullable(t.UnionEnum(["legacy", "modern"])),
    era_source: t.Nullable(
      t.UnionEnum(["probe", "cache"], { description: "How the era was found: the discover probe, or the cache for this command" }),
    ),
    protocol_version: t.Nullable(t.String()),
    server_info: t.Nullable(t.Any()),
    capabilities: t.Nullable(t.Any()),
    instructions: t.Nullable(t.String()),
    roots: t.Array(Root),
    in_flight: t.Integer(),
    requests_total: t.Integer(),
    last_activity_at: t.String(),
    restored: t.Optional(t.Boolean({ description: "The session came back after a station restart" })),
    restored_at: t.Optional(t.Nullable(t.String({ description: "When it was restored" }))),
    restart_policy: t.Optional(t.UnionEnum(["never", "on-failure", "always"])),
    max_restarts: t.Optional(t.Integer({ description: "Restarts in a row the policy allows before the session fails" })),
    restarts: t.Optional(t.Integer({ description: "Times the restart policy started the server again" })),
    next_restart_at: t.Optional(t.Nullable(t.String({ description: "While restarting: when the next attempt is due" }))),
    failure_reason: t.Optional(t.Nullable(t.String({ description: "Why the session failed (status failed)" }))),
    health: t.Optional(
      t.Nullable(
        t.Object(
          {
            at: t.String(),
            ok: t.Boolean(),
            method: t.String({ description: "ping (legacy) or server/discover (2026-07-28)" }),
            latency_ms: t.Nullable(t.Number()),
            error: t.Nullable(t.String()),
            consecutive_failures: t.Integer(),
          },
          { description: "The last health check (MCP_STATION_HEALTH_INTERVAL_MS)" },
        ),
      ),
    ),
  },
  { additionalProperties: true },
);

export const SessionList = t.Object({ sessions: t.Array(SessionInfo), count: t.Integer() });

export const PageQuery = t.Object({
  after: t.Optional(t.Numeric({ minimum: 0, description: "Return entries after this id/seq" })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 10000 })),
});

export const LogPage = t.Object({
  session_id: t.String(),
  lines: t.Array(t.Object({ seq: t.Integer(), at: t.String(), text: t.String() })),
  dropped: t.Integer({ description: "Lines dropped from the bounded buffer so far" }),
});

export const EventPage = t.Object({
  session_id: t.String(),
  events: t.Array(t.Object({ id: t.Integer(), at: t.String(), kind: t.String(), data: t.Any() })),
  dropped: t.Integer({ description: "Events after `after` that the bounded buffer no longer holds" }),
  last_id: t.Integer(),
});

export const RootsBody = t.Object({ roots: t.Array(Root, { maxItems: 256 }) }, { additionalProperties: false });
