/**
 * The launch request: what a caller asks the station to run, defined once.
 * POST /sessions takes it as its body (src/modules/sessions/model.ts), a warm
 * pool entry is its launch fields plus a size, the store keeps it as sent so a
 * restore plans the launch again, and the plan (src/security/launch-plan.ts)
 * resolves it into what runs. Plain TypeBox, not Elysia's `t`: sessions know
 * nothing of HTTP, and Elysia takes these schemas as they are.
 *
 * @example
 *   const request: LaunchRequest = { server_command: "/srv/x.mjs", restart_policy: "on-failure" };
 *   Value.Check(LaunchRequest, request); // true
 */
import { type Static, Type } from "@sinclair/typebox";
import type { ToolCuration } from "./curation.ts";
import type { RemoteOAuth } from "../registry/remote-oauth.ts";
import type { SecretOrValue, SecretRef } from "../registry/secret-ref.ts";

/** How server_command runs: with the configured python or node, or as an executable. */
export const ServerType = Type.Union([Type.Literal("python"), Type.Literal("node"), Type.Literal("command")], {
  description:
    "python or node run server_command with the configured interpreter; command runs it as an executable. Inferred from the file extension when left out.",
});
export type ServerType = Static<typeof ServerType>;

/** What happens when a server exits by itself (src/sessions/restart.ts). */
export const RestartPolicy = Type.Union([Type.Literal("never"), Type.Literal("on-failure"), Type.Literal("always")]);
export type RestartPolicy = Static<typeof RestartPolicy>;

/** An MCP root answered to the server's roots/list. */
export const Root = Type.Object({ uri: Type.String({ minLength: 1 }), name: Type.Optional(Type.String()) });
export type Root = Static<typeof Root>;

/** The fields that say what runs: a registry entry, or a command with its arguments, env and working directory. */
export const LAUNCH_FIELDS = ["server", "server_type", "server_command", "server_args", "env_vars", "working_dir"] as const;

export const LaunchRequest = Type.Object(
  {
    server: Type.Optional(
      Type.String({ minLength: 1, maxLength: 128, description: "A registered server's name (GET /servers), instead of server_command" }),
    ),
    server_type: Type.Optional(ServerType),
    server_command: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: "A script path (python, node) or an executable (command); required unless server is given",
      }),
    ),
    server_args: Type.Optional(Type.Array(Type.String({ maxLength: 65536 }), { maxItems: 1024 })),
    env_vars: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 1024 }), Type.String({ maxLength: 65536 }))),
    working_dir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    roots: Type.Optional(Type.Array(Root, { maxItems: 256, description: "Answered to the server's roots/list" })),
    restart_policy: Type.Optional(
      Type.Union(RestartPolicy.anyOf, {
        description:
          "When the server exits by itself: never restart it, restart it after a failure (non-zero exit, a signal, or unresponsive), or always. Default MCP_STATION_RESTART_POLICY or the registry entry's.",
      }),
    ),
    max_restarts: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1000,
        description: "Restarts in a row before the session fails; default MCP_STATION_MAX_RESTARTS",
      }),
    ),
    client_capabilities: Type.Optional(
      Type.Object(
        {
          sampling: Type.Optional(Type.Object({}, { additionalProperties: true })),
          elicitation: Type.Optional(Type.Object({}, { additionalProperties: true })),
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
/** What a caller sends to start a session (POST /sessions). */
export type LaunchRequest = Static<typeof LaunchRequest>;

/** What runs, without the session's own settings (roots, restart policy, capabilities). */
export const LaunchTarget = Type.Pick(LaunchRequest, LAUNCH_FIELDS, { additionalProperties: false });
export type LaunchTarget = Static<typeof LaunchTarget>;

/**
 * A launch request as the station keeps it (the manager's input, the store's
 * row): the caller's, or the station's own for its MCP endpoints, which marks
 * it `ephemeral`.
 */
export const SessionRequest = Type.Object(
  {
    ...LaunchRequest.properties,
    /** Lives only as long as one client's connection (the MCP endpoint's own sessions): recorded, so its process is reaped after a crash, but never restored. */
    ephemeral: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SessionRequest = Static<typeof SessionRequest>;

/** A remote server to connect to instead of a command to run (a registry entry with a `url`). */
export interface RemoteEndpoint {
  url: string;
  /** Sent on every request; a secret's name is resolved for the session's tenant when it connects. */
  headers: Record<string, SecretOrValue>;
  /** The deprecated HTTP+SSE transport (`"type": "sse"` in the registry); Streamable HTTP when unset. */
  transport?: "sse";
  /** The station's OAuth client at the server's authorization server (client_credentials); its secrets resolved like the headers. */
  oauth?: RemoteOAuth;
}

/**
 * The launch resolved under the command policy (src/security/launch-plan.ts):
 * the type, command, arguments and env settled; the working directory and the
 * registry entry's name when there are any.
 */
export type LaunchPlan = Required<Pick<LaunchTarget, "server_type" | "server_command" | "server_args" | "env_vars">> &
  Pick<LaunchTarget, "working_dir" | "server"> & {
    remote?: RemoteEndpoint;
    /** The registry entry's env values given by a secret's name, resolved at each start (launch-secrets.ts). */
    secret_env?: Record<string, SecretRef>;
  };

/** The planned launch (what runs, resolved under the command policy) and whose session it is. */
export interface SessionSpec extends LaunchPlan {
  roots: Root[];
  /** The tenant that created the session; only it (and admins) can see it. */
  owner?: string;
  /** The caller's request as sent, kept so that a restore plans the launch again under the current policy. */
  request?: SessionRequest;
  /**
   * Client capabilities declared to a legacy server at initialize besides roots, for a live
   * channel to honour (sampling, elicitation); with no live client attached, such requests get an error.
   */
  clientCapabilities?: { sampling?: boolean; elicitation?: boolean };
  /** The group session this one is a member of (docs/groups.md): the group starts, idles and stops it. */
  memberOf?: string;
  /** Its registry entry's curation of its tools (src/sessions/curation.ts). */
  tools?: ToolCuration;
}
