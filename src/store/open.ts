/**
 * The store the configuration asks for: none, SQLite in the data directory,
 * or PostgreSQL; held for this station alone (instance-lease.ts).
 */
import type { Config } from "../config.ts";
import { type Logger, silentLogger } from "../log.ts";
import { openDatabase } from "./database.ts";
import { holdInstance } from "./instance-lease.ts";
import { SessionStore } from "./session-store.ts";

export async function openStore(config: Config, log: Logger = silentLogger): Promise<SessionStore | undefined> {
  if (!config.persistence) return undefined;
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const store = await SessionStore.open(db, { instance: config.instance, tablePrefix: config.tablePrefix, node: config.cluster?.nodeId });
    // In a cluster every node shares the instance: the node leases (src/cluster/membership.ts) keep them apart instead.
    if (!config.cluster) store.releaseHold = await holdInstance(store, config, log);
    return store;
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
