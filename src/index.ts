/**
 * The only module with side effects: read the config, build the station,
 * listen, and shut down cleanly on SIGTERM/SIGINT with no server left behind.
 */
import { createStation } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { batchedStdout, createLogger } from "./log.ts";
import { runHealthcheck, runReadycheck } from "./health/probe-command.ts";
import { Watchdog } from "./cluster/watchdog.ts";
import { runWatchdog } from "./cluster/watchdog-process.ts";
import { openFileLimit, serversThatFit } from "./process/fd-budget.ts";
import { killAllGroups } from "./process/groups.ts";
import { openStore } from "./store/open.ts";
import { startTracing } from "./tracing/setup.ts";
import { VERSION } from "./version.ts";

if (process.argv.includes("--healthcheck")) await runHealthcheck();
if (process.argv.includes("--readycheck")) await runReadycheck();
if (process.argv.includes("--watchdog")) await runWatchdog(Number(process.env.MCP_STATION_WATCHDOG_PID));

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

const log = createLogger(config.logLevel, batchedStdout());
// Off unless the OTEL_* variables name a collector (docs/operations.md: Tracing); before the station, so its first session is traced.
const tracing = await startTracing(process.env, log, VERSION);
let store: Awaited<ReturnType<typeof openStore>>;
try {
  store = await openStore(config, log);
} catch (error) {
  console.error(`mcp-station: cannot open the session store: ${(error as Error).message}`);
  process.exit(2);
}
const { app, manager, operations, registry, cluster } = createStation(config, log, { store, defaultMetrics: true });
app.listen({ hostname: config.host, port: config.port });
log.info("mcp-station listening", { host: config.host, port: app.server?.port, pid: process.pid, store: store?.db.location ?? "off" });
// Bun has already raised the soft RLIMIT_NOFILE to the hard one (/proc/<pid>/limits, from source and
// compiled alike), so nothing is left to raise here. What is left is to say now, not at the first 503,
// when even that cannot hold MCP_STATION_MAX_SESSIONS servers (docs/operations.md: Capacity).
const fit = serversThatFit();
if (fit !== undefined && fit < config.maxSessions) {
  log.warn("the open-file limit holds fewer servers than MCP_STATION_MAX_SESSIONS", {
    open_file_limit: openFileLimit(),
    servers_that_fit: fit,
    max_sessions: config.maxSessions,
  });
}
if (cluster) {
  // After listening: the others may forward to this node as soon as it has joined.
  // Before the first server starts (the restore at join): it must know every group.
  cluster.watchdog = Watchdog.start();
  try {
    await cluster.start(app.server?.port ?? config.port);
  } catch (error) {
    console.error(`mcp-station: cannot join the cluster: ${(error as Error).message}`);
    await manager.shutdown();
    await cluster.close();
    await cluster.watchdog.stop();
    process.exit(2);
  }
} else {
  // After listening: /healthz answers while servers of the previous run start again (/readyz shows restore: running).
  void operations.restore().catch((error) => log.error("restore failed", { err: error as Error }));
}

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutting down", { signal, sessions: manager.activeCount });
  registry.close();
  if (cluster) {
    // The other nodes adopt this one's sessions at once (docs/cluster.md: rolling restarts).
    await cluster.handOver();
    await operations.close();
    await cluster.close();
    await cluster.watchdog?.stop();
  } else {
    // The store keeps its record of running sessions: they come back on the next start.
    await operations.freeze();
    await manager.shutdown();
    await operations.close();
  }
  await app.stop(true);
  // Last: the spans of the servers' stops go out too (3 s at most when the collector does not answer).
  await tracing.shutdown();
  log.info("stopped");
  process.exit(0);
}

process.on("SIGHUP", () => registry.reload("SIGHUP"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
// Whatever path ends the process, no server group it started outlives it.
process.on("exit", () => killAllGroups());
