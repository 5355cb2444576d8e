/**
 * The environment a child server gets: a small inherited base plus what the
 * caller asked for. The station's own settings and secrets (MCP_STATION_*,
 * API keys, database URLs) never reach a child, the same rule the official
 * SDKs apply in their stdio clients (a fixed list of safe variables).
 */

/** Variables inherited from the station's environment when set. */
export const INHERITED_VARIABLES = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "TERM",
  "LANG",
  "LANGUAGE",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  // Node and Python find their tools through these in common installs.
  "NVM_DIR",
  "PYENV_ROOT",
  "VIRTUAL_ENV",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
] as const;

export function childEnvironment(
  extra: Record<string, string> | undefined,
  source: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_VARIABLES) {
    const value = source[name];
    // Bash exported functions ("() {") are a known injection vector; the SDKs skip them too.
    if (value !== undefined && !value.startsWith("()")) env[name] = value;
  }
  if (extra) Object.assign(env, extra);
  return env;
}
