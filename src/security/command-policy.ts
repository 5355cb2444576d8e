/**
 * What may run. `any` is the seed's behaviour: the caller names any program.
 * `registry` runs only servers from the registry file. `allowlist` also runs
 * programs named in MCP_STATION_ALLOWED_COMMANDS: bare names looked up on the
 * station's PATH, exact paths, or path prefixes ending in "/".
 *
 * Under a policy other than `any`, a caller cannot set the variables that
 * change what actually runs (LD_PRELOAD, NODE_OPTIONS, PYTHONPATH, ...), and
 * working_dir must resolve (symlinks and ".." followed) inside an allowed root.
 */
import { realpathSync } from "node:fs";
import { isAbsolute, resolve, sep } from "node:path";
import { type Static, Type } from "@sinclair/typebox";
import { BadRequest, Forbidden } from "../errors.ts";

export const CommandPolicy = Type.Union([Type.Literal("any"), Type.Literal("registry"), Type.Literal("allowlist")], {
  description: "The command policy: what POST /sessions may start",
});
export type CommandPolicy = Static<typeof CommandPolicy>;

/** Exact names a caller may not set under a guarded policy: each changes which code a server loads. */
const DENIED_ENV = new Set([
  "PATH",
  "NODE_OPTIONS",
  "NODE_PATH",
  "NODE_REPL_EXTERNAL_MODULE",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "PYTHONINSPECT",
  "PYTHONUSERBASE",
  "PYTHONEXECUTABLE",
  "PYTHONBREAKPOINT",
  "PERL5OPT",
  "PERL5LIB",
  "PERLLIB",
  "RUBYOPT",
  "RUBYLIB",
  "JAVA_TOOL_OPTIONS",
  "_JAVA_OPTIONS",
  "JDK_JAVA_OPTIONS",
  "BASH_ENV",
  "ENV",
  "SHELLOPTS",
  "BASHOPTS",
  "PS4",
  "GCONV_PATH",
  "LOCPATH",
  "HOSTALIASES",
  "BUN_OPTIONS",
  "BUN_INSTALL",
  "DENO_DIR",
  "NPM_CONFIG_PREFIX",
  "npm_config_prefix",
  "UV_PYTHON",
  "VIRTUAL_ENV",
]);
/** Prefixes of denied names: the dynamic loader's (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT...) and macOS's. */
const DENIED_ENV_PREFIXES = ["LD_", "DYLD_"];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses env names that change what runs; returns the env unchanged when all are allowed. */
export function checkEnvVars(env: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(env)) {
    if (!ENV_NAME.test(name)) throw new BadRequest(`env_vars name "${name}" is not a valid variable name`, { env_var: name });
    const upper = name.toUpperCase();
    if (DENIED_ENV.has(name) || DENIED_ENV.has(upper) || DENIED_ENV_PREFIXES.some((prefix) => upper.startsWith(prefix))) {
      throw new Forbidden(`env_vars may not set ${name}: it changes which code the server runs`, { env_var: name });
    }
  }
  return env;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

const within = (path: string, root: string) => path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

/**
 * The working directory, resolved: it must exist and its real path (symlinks
 * and ".." followed) must lie inside one of the allowed roots.
 */
export function confineWorkingDir(workingDir: string, allowedRoots: string[]): string {
  if (allowedRoots.length === 0) {
    throw new Forbidden("working_dir is not accepted under this command policy unless MCP_STATION_ALLOWED_ROOTS is set");
  }
  if (!isAbsolute(workingDir)) throw new BadRequest("working_dir must be an absolute path", { working_dir: workingDir });
  const real = realpathOrUndefined(workingDir);
  if (real === undefined) throw new BadRequest(`working_dir ${workingDir} does not exist`, { working_dir: workingDir });
  const roots = allowedRoots.map((root) => realpathOrUndefined(root) ?? resolve(root));
  if (!roots.some((root) => within(real, root))) {
    throw new Forbidden("working_dir is outside the allowed roots (MCP_STATION_ALLOWED_ROOTS)", { working_dir: workingDir });
  }
  return real;
}

/**
 * Whether `command` (as given, with the working directory it would run in) is
 * on the allow-list. `kind` "executable" looks bare names up on PATH; "script"
 * is a file run by the configured python or node.
 */
export function isAllowedCommand(
  command: string,
  kind: "executable" | "script",
  allowed: string[],
  cwd: string | undefined,
  pathEnv: string,
): boolean {
  let real: string | undefined;
  if (kind === "executable" && !command.includes("/")) {
    const found = Bun.which(command, { PATH: pathEnv });
    real = found ? realpathOrUndefined(found) : undefined;
  } else {
    real = realpathOrUndefined(resolve(cwd ?? process.cwd(), command));
  }
  if (real === undefined) return false;
  for (const entry of allowed) {
    if (!entry.includes("/")) {
      // A bare name allows that program as found on the station's PATH, and only when called by that name.
      if (kind === "executable" && command === entry) return true;
      continue;
    }
    if (entry.endsWith("/")) {
      const root = realpathOrUndefined(entry);
      if (root && within(real, root)) return true;
    } else if (realpathOrUndefined(entry) === real) {
      return true;
    }
  }
  return false;
}
