/**
 * Starts a real station in this process on a free port, with short deadlines,
 * and talks to it over real HTTP. Every test file stops its stations in
 * afterAll/afterEach, which stops their servers.
 */
import { createStation, type StationOptions } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { type Logger, silentLogger } from "../../src/log.ts";
import { openStore } from "../../src/store/open.ts";

export const TEST_ENV: Record<string, string> = {
  MCP_STATION_PORT: "0",
  MCP_STATION_HOST: "127.0.0.1",
  MCP_STATION_START_TIMEOUT_MS: "15000",
  MCP_STATION_PROBE_TIMEOUT_MS: "700",
  MCP_STATION_REQUEST_TIMEOUT_MS: "15000",
  MCP_STATION_STOP_GRACE_MS: "300",
  MCP_STATION_STOP_TERM_MS: "700",
};

/** One HTTP call to a station the tests started: status, parsed body (text when not JSON) and headers. */
export type StationCall = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; body: any; headers: Headers }>;

export interface TestStation {
  url: string;
  manager: ReturnType<typeof createStation>["manager"];
  call: StationCall;
  create(spec: Record<string, unknown>): Promise<{ status: number; body: any }>;
  mcp(sessionId: string, method: string, params?: unknown, extra?: Record<string, unknown>): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

/**
 * `withStore`: the store the configuration names is opened (MCP_STATION_PERSISTENCE=on and a data directory
 * or database of the test's own), what it recorded is restored, and it is closed at stop.
 */
export async function startStation(
  env: Record<string, string> = {},
  { withStore = false, log = silentLogger, ...options }: StationOptions & { withStore?: boolean; log?: Logger } = {},
): Promise<TestStation> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const store = withStore ? await openStore(config) : options.store;
  const { app, manager, registry, operations } = createStation(config, log, { ...options, store });
  app.listen({ hostname: "127.0.0.1", port: 0 });
  if (withStore) await operations.restore();
  const url = `http://127.0.0.1:${app.server!.port}`;
  const call: TestStation["call"] = (method, path, body, headers = {}) => httpCall(url, method, path, body, headers);
  return {
    url,
    manager,
    call,
    create: (spec) => call("POST", "/sessions", spec),
    mcp: (sessionId, method, params, extra) => call("POST", "/mcp/request", { session_id: sessionId, method, params, ...extra }),
    stop: async () => {
      registry.close();
      // As index.ts does: the store keeps its record of running sessions for the next start.
      if (withStore) await operations.freeze();
      await manager.shutdown();
      if (withStore) await operations.close();
      await app.stop(true);
    },
  };
}

/**
 * One HTTP call for tests: a string or bytes body goes as it is, anything else as JSON
 * (content-type application/json unless the caller set one); the answer's body is parsed
 * as JSON when it is JSON, else kept as text.
 */
export async function httpCall(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === "string" || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
  }
  const res = await fetch(base + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed as any, headers: res.headers };
}
