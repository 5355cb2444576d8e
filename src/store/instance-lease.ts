/**
 * One station per store instance. Two stations on one data directory (or
 * one MCP_STATION_INSTANCE of a shared database) would each restore the
 * other's sessions, and each start would end the other's servers as
 * leftovers. So a station holds a lock on its instance that the kernel or the
 * database drops the moment the station dies: an exclusive flock(2) on a file
 * beside the SQLite store (file-lock.ts), a PostgreSQL advisory lock on a
 * connection of its own (advisory-lock.ts). A recreated container, or a
 * station started again after a SIGKILL, takes its instance at once; a second
 * live station is refused, and told who holds the instance. That name comes
 * from the holder's row in the instances table, which only says who; whether
 * the holder lives is the lock's business alone.
 */
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { type Logger, silentLogger } from "../log.ts";
import { lockAdvisory } from "./advisory-lock.ts";
import { lockFile } from "./file-lock.ts";
import { identifyProcess } from "./leftovers.ts";
import type { InstanceHolder, SessionStore } from "./session-store.ts";

export class InstanceTaken extends Error {}

export interface InstanceLockTarget {
  /** The store's PostgreSQL URL; unset for SQLite. */
  databaseUrl?: string;
  /** Where the SQLite store, and so its lock file, lives. */
  dataDir: string;
  instance: string;
  tablePrefix: string;
}

/** The name both locks are derived from: one lock per table prefix and instance, as the rows are. */
export function instanceLockName(target: InstanceLockTarget): string {
  return `mcp-station:${target.tablePrefix}:${target.instance}`;
}

/** The lock file of an SQLite store's instance, readable in `ls` when the instance name is a plain word. */
export function instanceLockFile(target: InstanceLockTarget): string {
  const plain = /^[A-Za-z0-9_.-]{1,64}$/.test(target.instance) && target.instance !== "." && target.instance !== "..";
  const instance = plain ? target.instance : createHash("sha256").update(target.instance).digest("hex").slice(0, 16);
  return join(target.dataDir, `mcp-station.${target.tablePrefix}${instance}.lock`);
}

function self(): InstanceHolder {
  const me = identifyProcess(process.pid);
  return {
    host: hostname(),
    pid: process.pid,
    startTicks: me?.startTicks ?? "0",
    bootId: me?.bootId ?? "",
    seenAt: new Date().toISOString(),
  };
}

async function refusal(store: SessionStore, target: InstanceLockTarget): Promise<InstanceTaken> {
  const holder = await store.holder().catch(() => undefined);
  const who = holder ? `pid ${holder.pid} on ${holder.host}` : "its holder has not recorded itself yet";
  return new InstanceTaken(
    `the store instance "${target.instance}" is in use by another station (${who}); ` +
      "give each station its own MCP_STATION_DATA_DIR or MCP_STATION_INSTANCE",
  );
}

async function lock(target: InstanceLockTarget, log: Logger): Promise<(() => Promise<void>) | undefined> {
  if (target.databaseUrl === undefined) {
    const held = lockFile(instanceLockFile(target));
    return held && (async () => held.release());
  }
  const held = await lockAdvisory(target.databaseUrl, instanceLockName(target), {
    lost: (key) =>
      log.error("the store instance lock was lost: another station holds it now", { instance: target.instance, lock_key: key }),
    unreachable: (error) => log.warn("cannot renew the store instance lock", { instance: target.instance, err: error }),
  });
  return held && (() => held.release());
}

/** Takes the instance or throws InstanceTaken; returns the release function. */
export async function holdInstance(
  store: SessionStore,
  target: InstanceLockTarget,
  log: Logger = silentLogger,
): Promise<() => Promise<void>> {
  const release = await lock(target, log);
  if (!release) throw await refusal(store, target);
  const me = self();
  try {
    await store.hold(me);
  } catch (error) {
    await release();
    throw error;
  }
  return async () => {
    await store.release(me).catch(() => {});
    await release();
  };
}
