/**
 * Turns a create-session request into what will run, under the command
 * policy: a registry entry plus what its `station` block lets the caller add,
 * or the caller's own command when the policy allows it. Throws Forbidden
 * (403) for what the policy refuses and BadRequest (400) for what is malformed.
 *
 * @example
 *   planLaunch({ server: "files" }, { policy: "registry", registry, ... })
 *   // { server_type: "command", server_command: "npx", server_args: [...], env_vars: {...}, server: "files" }
 */
import { BadRequest, Forbidden, ValidationFailed } from "../errors.ts";
import type { ServerEntry } from "../registry/registry.ts";
import { type SecretRef, isSecretRef } from "../registry/secret-ref.ts";
import { inferServerType } from "../sessions/command.ts";
import type { LaunchPlan, LaunchTarget, RemoteEndpoint } from "../sessions/launch-request.ts";
import { type CommandPolicy, checkEnvVars, confineWorkingDir, isAllowedCommand } from "./command-policy.ts";

export interface LaunchRules {
  policy: CommandPolicy;
  registry: Map<string, ServerEntry>;
  allowedCommands: string[];
  allowedRoots: string[];
  /** PATH used to look up bare command names (the child's PATH). */
  pathEnv: string;
}

function fromRegistry(request: LaunchTarget, rules: LaunchRules): LaunchPlan {
  const name = request.server!;
  if (request.server_command !== undefined || request.server_type !== undefined) {
    throw new BadRequest("give either server or server_command (with server_type), not both");
  }
  const entry = rules.registry.get(name);
  if (!entry) throw new BadRequest(`no server named "${name}" in the registry (GET /servers lists them)`, { server: name });
  if (entry.remote) return remotePlan(name, entry.remote, request);
  const extraArgs = request.server_args ?? [];
  if (extraArgs.length > 0 && !entry.allowArgs) throw new Forbidden(`server "${name}" does not accept extra server_args`, { server: name });
  const extraEnv = checkEnvVars(request.env_vars ?? {});
  for (const key of Object.keys(extraEnv)) {
    if (!entry.allowEnv.includes(key))
      throw new Forbidden(`server "${name}" does not let callers set ${key}`, { server: name, env_var: key });
  }
  const workingDir =
    request.working_dir === undefined
      ? entry.cwd
      : rules.policy === "any"
        ? request.working_dir
        : confineWorkingDir(request.working_dir, rules.allowedRoots);
  const clearEnv: Record<string, string> = {};
  const secretEnv: Record<string, SecretRef> = {};
  for (const [key, value] of Object.entries(entry.env)) {
    if (isSecretRef(value)) secretEnv[key] = value;
    else clearEnv[key] = value;
  }
  return {
    // Claude Desktop and Cursor run `command` as an executable; so does the station.
    server_type: "command",
    server_command: entry.command,
    server_args: [...entry.args, ...extraArgs],
    env_vars: { ...clearEnv, ...extraEnv },
    ...(Object.keys(secretEnv).length > 0 ? { secret_env: secretEnv } : {}),
    working_dir: workingDir,
    server: name,
  };
}

/** A remote server takes nothing from its caller: no process runs, so args, env and a directory mean nothing. */
function remotePlan(name: string, remote: RemoteEndpoint, request: LaunchTarget): LaunchPlan {
  for (const field of ["server_args", "env_vars", "working_dir"] as const) {
    if (request[field] !== undefined)
      throw new BadRequest(`server "${name}" is a remote server: ${field} does not apply`, { server: name });
  }
  return { server_type: "command", server_command: remote.url, server_args: [], env_vars: {}, server: name, remote };
}

export function planLaunch(request: LaunchTarget, rules: LaunchRules): LaunchPlan {
  if (request.server !== undefined) return fromRegistry(request, rules);
  const command = request.server_command;
  if (command === undefined) {
    // The same answer as any other missing required field (422), as the seed's schema had it required.
    throw new ValidationFailed("invalid request: /server_command is required unless server is given", {
      problems: [{ path: "/server_command", message: "required unless server is given" }],
    });
  }
  const type = request.server_type ?? inferServerType(command);
  const plan: LaunchPlan = {
    server_type: type,
    server_command: command,
    server_args: request.server_args ?? [],
    env_vars: request.env_vars ?? {},
    working_dir: request.working_dir,
  };
  if (rules.policy === "any") return plan;
  if (rules.policy === "registry") {
    throw new Forbidden(
      'the command policy is registry: only registered servers run (POST /sessions {"server": name}; GET /servers lists them)',
      {
        policy: "registry",
      },
    );
  }
  checkEnvVars(plan.env_vars);
  if (plan.working_dir !== undefined) plan.working_dir = confineWorkingDir(plan.working_dir, rules.allowedRoots);
  const kind = type === "command" ? "executable" : "script";
  if (!isAllowedCommand(command, kind, rules.allowedCommands, plan.working_dir, rules.pathEnv)) {
    throw new Forbidden("server_command is not on the allow-list (MCP_STATION_ALLOWED_COMMANDS)", { policy: "allowlist" });
  }
  return plan;
}
