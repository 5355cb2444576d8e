/**
 * The only module with side effects: read the config, build the station,
 * listen, and shut down cleanly on SIGTERM/SIGINT with no server left behind.
 */
import { createStation } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { killAllGroups } from "./process/groups.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`mcp-station: ${error.message}`);
    process.exit(2);
  }
  throw error;
}

const log = createLogger(config.logLevel);
const { app, manager } = createStation(config, log);
app.listen({ hostname: config.host, port: config.port });
log.info("mcp-station listening", { host: config.host, port: app.server?.port, pid: process.pid });

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal, sessions: manager.activeCount });
  await manager.shutdown();
  await app.stop(true);
  log.info("stopped");
  process.exit(0);
}

process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Whatever path ends the process, no server group it started outlives it.
process.on("exit", () => killAllGroups());
