/**
 * A real station on port 0 whose log lines are kept, for tests that read the
 * audit trail, plus key and fixture helpers for the security tests.
 */
import { createStation } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { TEST_ENV, httpCall } from "../support/station.ts";

export const KEY_A = "tenant-a-key-0123456789";
export const KEY_B = "tenant-b-key-0123456789";
export const ADMIN_KEY = "admin-key-0123456789abcdef";
export const KEYS_ENV = { MCP_STATION_API_KEYS: `a:${KEY_A},b:${KEY_B}`, MCP_STATION_ADMIN_KEYS: ADMIN_KEY };
export const LIMITS_FIXTURE = `${import.meta.dir}/fixtures/limits.mjs`;

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

/** `port`: 0 for any free one, or one chosen beforehand (a station whose config names its own URL). */
export async function startLoggedStation(env: Record<string, string> = {}, hostname = "127.0.0.1", port = 0) {
  const logs: Record<string, any>[] = [];
  const log = createLogger("info", (line) => logs.push(JSON.parse(line)));
  const config = loadConfig({ ...TEST_ENV, MCP_STATION_HOST: hostname, ...env });
  const { app, manager, registry } = createStation(config, log);
  app.listen({ hostname, port });
  const url = `http://127.0.0.1:${app.server!.port}`;
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, base = url): Promise<Reply> =>
    httpCall(base, method, path, body, headers);

  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  return {
    url,
    port: app.server!.port,
    logs,
    manager,
    call,
    as,
    stop: async () => {
      registry.close();
      await manager.shutdown();
      await app.stop(true);
    },
  };
}

export type LoggedStation = Awaited<ReturnType<typeof startLoggedStation>>;
