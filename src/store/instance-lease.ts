/**
 * One station per store instance. Two stations on one data directory (or
 * one MCP_STATION_INSTANCE of a shared database) would each restore the
 * other's sessions, and each start would end the other's servers as
 * leftovers. So the station records itself as the instance's holder and
 * renews that record; a second station finds a live holder and refuses to
 * start, naming it. A holder is live when it is a running process on this
 * host (same pid, same start time, same boot, not a zombie), or, on another
 * host, when it renewed its record within the last three heartbeats.
 */
import { hostname } from "node:os";
import { identifyProcess, isZombie } from "./leftovers.ts";
import type { InstanceHolder, SessionStore } from "./session-store.ts";

export const HEARTBEAT_MS = 10_000;

export class InstanceTaken extends Error {}

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

function isLive(holder: InstanceHolder, now: number): boolean {
  if (holder.host === hostname()) {
    if (holder.pid === process.pid) return false;
    const process_ = identifyProcess(holder.pid);
    // A station killed while its parent (a shell, a supervisor that is slow to wait()) has not reaped it yet is dead.
    if (process_ === null || isZombie(holder.pid)) return false;
    return process_.startTicks === holder.startTicks && process_.bootId === holder.bootId;
  }
  return now - Date.parse(holder.seenAt) < 3 * HEARTBEAT_MS;
}

/** Takes the instance or throws InstanceTaken; returns the release function. Renews the record until released. */
export async function holdInstance(store: SessionStore, instance: string): Promise<() => Promise<void>> {
  const current = await store.holder();
  if (current && isLive(current, Date.now())) {
    throw new InstanceTaken(
      `the store instance "${instance}" is in use by another station (pid ${current.pid} on ${current.host}); ` +
        "give each station its own MCP_STATION_DATA_DIR or MCP_STATION_INSTANCE",
    );
  }
  const me = self();
  await store.hold(me);
  const timer = setInterval(() => {
    me.seenAt = new Date().toISOString();
    void store.hold(me).catch(() => {});
  }, HEARTBEAT_MS);
  timer.unref?.();
  return async () => {
    clearInterval(timer);
    await store.release(me).catch(() => {});
  };
}
