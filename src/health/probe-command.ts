/**
 * `mcp-station --healthcheck`: asks the running station's /healthz and exits
 * 0 or 1. For the container's HEALTHCHECK, so the minimal image (the binary
 * alone) needs no curl or wget. It runs in the station's environment and
 * probes where the station listens (MCP_STATION_HOST, MCP_STATION_PORT).
 *
 * `mcp-station --readycheck`: the same for /readyz, a Kubernetes readiness
 * probe. /readyz sits behind the API's gate and a kubelet's httpGet can send
 * no secret (its headers are written in the manifest), so this probe, run in
 * the station's own environment, sends the station's first API key.
 *
 * @example
 *   healthcheckUrl({ MCP_STATION_HOST: "0.0.0.0", MCP_STATION_PORT: "8080" }) // "http://127.0.0.1:8080/healthz"
 *   healthcheckUrl({ MCP_STATION_HOST: "10.0.0.7" })                         // "http://10.0.0.7:20100/healthz"
 */
type Env = Record<string, string | undefined>;

/** Defaults as in config.ts; this runs before (and without) loading the whole configuration. */
const DEFAULT_HOST = "0.0.0.0";
const DEFAULT_PORT = "20100";

/** The /healthz URL of a station bound to MCP_STATION_HOST: a wildcard is reached on the loopback address of its family. */
export function healthcheckUrl(env: Env): string {
  let host = env.MCP_STATION_HOST?.trim() || DEFAULT_HOST;
  const port = env.MCP_STATION_PORT?.trim() || DEFAULT_PORT;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "0.0.0.0") host = "127.0.0.1";
  else if (host === "::") host = "::1";
  // An IPv6 address goes in brackets in a URL.
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}/healthz`;
}

/** The /readyz URL beside healthcheckUrl's /healthz. */
export function readycheckUrl(env: Env): string {
  return healthcheckUrl(env).replace(/\/healthz$/, "/readyz");
}

export async function runReadycheck(env: Env = process.env): Promise<never> {
  try {
    // Loaded only here: the liveness probe above stays free of the whole configuration.
    const { loadConfig } = await import("../config.ts");
    const key = loadConfig(env).apiKeys[0]?.key;
    const res = await fetch(readycheckUrl(env), {
      headers: key ? { authorization: `Bearer ${key}` } : {},
      signal: AbortSignal.timeout(3_000),
    });
    if (res.status === 401 || res.status === 403)
      console.error(
        `mcp-station --readycheck: /readyz answered ${res.status}: the probe authenticates with the first of MCP_STATION_API_KEYS or MCP_STATION_ADMIN_KEYS`,
      );
    process.exit(res.ok ? 0 : 1);
  } catch (error) {
    console.error(`mcp-station --readycheck: ${(error as Error).message}`);
    process.exit(1);
  }
}

export async function runHealthcheck(env: Env = process.env): Promise<never> {
  try {
    const res = await fetch(healthcheckUrl(env), { signal: AbortSignal.timeout(3_000) });
    process.exit(res.ok ? 0 : 1);
  } catch {
    process.exit(1);
  }
}
