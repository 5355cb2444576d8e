/**
 * `mcp-station --healthcheck`: asks the running station's /healthz and exits
 * 0 or 1. For the container's HEALTHCHECK, so the minimal image (the binary
 * alone) needs no curl or wget.
 */
export async function runHealthcheck(env: Record<string, string | undefined> = process.env): Promise<never> {
  const port = Number(env.MCP_STATION_PORT || 20100);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3_000) });
    process.exit(res.ok ? 0 : 1);
  } catch {
    process.exit(1);
  }
}
