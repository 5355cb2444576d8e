/**
 * The warm pool (opt-in, MCP_STATION_WARM_POOL): server processes started and
 * handshaken ahead for launch specs named in configuration, handed out whole
 * to a create whose spec matches exactly, and refilled in the background.
 *
 * Session creation is dominated by the server's own start (about 0.3 s for
 * server-everything); a warm process turns that into a hand-over.
 *
 * Rules it keeps:
 * - A warm process is never shared: `take` removes it from the pool, and it
 *   becomes that caller's session (fresh id, owner and roots set at hand-over).
 * - It holds a session slot: the manager counts warm processes (ready and
 *   starting) against MCP_STATION_MAX_SESSIONS, fills only free slots, and
 *   evicts a warm process when a create needs its slot.
 * - Only an exact match is handed out: same type, command, args, env, cwd,
 *   registry name and client capabilities (see `warmKey`); anything else
 *   starts as usual. A group's member matches as a create of its server does.
 * - It follows the registry: after a reload the manager plans the entries
 *   that name a server or group again, and `replan` stops the waiting
 *   processes of a launch no longer planned (changed, removed, no longer a
 *   group's member) and starts those of a new one.
 *
 * @example
 *   MCP_STATION_WARM_POOL='[{"server_type":"node","server_command":"/srv/x.mjs","size":2}]'
 *   MCP_STATION_WARM_POOL='[{"server":"files","size":1}]'          # a registry entry
 *   MCP_STATION_WARM_POOL='[{"server":"station","size":2}]'        # a group: 2 of each of its members
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../config/config-error.ts";
import { firstProblem } from "../config/schema-problem.ts";
import type { Logger } from "../log.ts";
import type { Era } from "../protocol/versions.ts";
import { LaunchTarget, type SessionSpec } from "./launch-request.ts";
import type { Session } from "./session.ts";

/** One configured pool entry, as written in MCP_STATION_WARM_POOL: what a create would run, plus how many to keep ready. */
export const WarmPoolEntry = Type.Object(
  { ...LaunchTarget.properties, size: Type.Integer({ minimum: 1, maximum: 64, description: "Processes kept ready" }) },
  { additionalProperties: false },
);
export type WarmPoolEntry = Static<typeof WarmPoolEntry>;
export const WarmPoolEntries = Type.Array(WarmPoolEntry);

/** Parses MCP_STATION_WARM_POOL; empty or unset means no pool. */
export function parseWarmPool(raw: string | undefined): WarmPoolEntry[] {
  if (raw === undefined || raw.trim() === "") return [];
  const fail = (why: string): never => {
    throw new ConfigError(`MCP_STATION_WARM_POOL ${why}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    fail("is not JSON (expected an array of {server_type, server_command, server_args, env_vars, working_dir, size} or {server, size})");
  }
  if (!Array.isArray(value)) fail("must be a JSON array");
  const problem = firstProblem(WarmPoolEntries, value);
  if (problem) fail(problem);
  const entries = value as WarmPoolEntry[];
  entries.forEach((entry, i) => {
    if (entry.server === undefined && entry.server_command === undefined) fail(`[${i}] needs server_command (or server, a registry name)`);
  });
  return entries;
}

/**
 * What must be equal for a warm process to serve a create: the argv it runs
 * and every spec field fixed at start (env, cwd, registry name, declared
 * capabilities: a server told at initialize that its client cannot sample
 * will not ask, so a create that can must start its own). Owner, roots, the
 * request as sent (its restart policy, `ephemeral`) and the group it serves
 * (`memberOf`) are the caller's and are set at hand-over.
 */
export function warmKey(spec: SessionSpec, argv: string[]): string {
  const { owner: _owner, roots: _roots, request: _request, memberOf: _memberOf, env_vars, ...fixed } = spec;
  const env = Object.keys(env_vars)
    .sort()
    .map((k) => [k, env_vars[k]]);
  return JSON.stringify([argv, env, Object.entries(fixed).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** What the pool needs to start one process for an entry. */
export interface WarmTarget {
  key: string;
  size: number;
  /** For logs: the command or registry name. */
  label: string;
  /** A new, unstarted session for this spec. */
  create(): Session;
  knownEra?(): Era | undefined;
  /** Called after a successful start, to remember the era (as the manager does for creates). */
  started?(session: Session): void;
  /** Planned from a registry server or group (planned again at each reload), not from an explicit command. */
  fromRegistry: boolean;
}

export interface PoolHost {
  /** Whether one more process fits within the session limits. */
  hasRoom(): boolean;
  /** A warm process is about to start (so the store can record it and a killed station's leftovers include it). */
  warming?(session: Session): void;
  log: Logger;
}

interface Slot {
  target: WarmTarget;
  ready: Session[];
  starting: Set<Session>;
  failures: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

/** One target per key: a server named alone and as a group's member is one launch, its sizes added. */
function byKey(targets: WarmTarget[]): Map<string, WarmTarget> {
  const merged = new Map<string, WarmTarget>();
  for (const target of targets) {
    const existing = merged.get(target.key);
    merged.set(target.key, existing ? { ...existing, size: existing.size + target.size } : target);
  }
  return merged;
}

const emptySlot = (target: WarmTarget): Slot => ({ target, ready: [], starting: new Set(), failures: 0, retry: undefined });

/** Back-off after a failed start: a server that cannot start must not be respawned in a tight loop. */
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];

export class WarmPool {
  private readonly slots = new Map<string, Slot>();
  private closing = false;

  constructor(
    targets: WarmTarget[],
    private readonly host: PoolHost,
  ) {
    for (const [key, target] of byKey(targets)) this.slots.set(key, emptySlot(target));
  }

  /**
   * After a registry reload: `targets` (the registry's, planned again) replace the registry's targets held. A
   * launch still planned keeps its slot, its processes and its back-off (surplus processes stop if its size
   * shrank); one no longer planned (its entry changed or removed, or no longer a warmed group's member) is
   * dropped, its waiting processes stopped and their session slots freed; a new one is filled. One slot per
   * launch, so no two refills ever run for one target. Explicit-command targets are left as they are.
   */
  replan(targets: WarmTarget[]): void {
    if (this.closing) return;
    const planned = byKey(targets);
    for (const [key, slot] of this.slots) {
      if (!slot.target.fromRegistry) continue;
      const next = planned.get(key);
      if (next) {
        slot.target = next;
        while (slot.ready.length + slot.starting.size > next.size) this.stopOne(slot);
      } else {
        this.slots.delete(key);
        this.drop(slot);
      }
    }
    for (const [key, target] of planned) if (!this.slots.has(key)) this.slots.set(key, emptySlot(target));
    this.fill();
  }

  /** Warm processes held (ready or starting): each occupies a session slot. */
  get processes(): number {
    let n = 0;
    for (const slot of this.slots.values()) n += slot.ready.length + slot.starting.size;
    return n;
  }

  /** Every warm process held (ready or starting), not yet handed out. */
  held(): Session[] {
    return [...this.slots.values()].flatMap((slot) => [...slot.ready, ...slot.starting]);
  }

  /** Ready processes per entry, for health and the bench. */
  status(): { server: string; size: number; ready: number; starting: number; pids: number[] }[] {
    return [...this.slots.values()].map((s) => ({
      server: s.target.label,
      size: s.target.size,
      ready: s.ready.length,
      starting: s.starting.size,
      pids: s.ready.map((session) => session.pid).filter((pid): pid is number => pid !== null),
    }));
  }

  /** Hands out a ready process for `key`, or undefined. It leaves the pool for good; a replacement starts. */
  take(key: string): Session | undefined {
    const slot = this.slots.get(key);
    if (!slot) return undefined;
    let session: Session | undefined;
    while (!session && slot.ready.length > 0) {
      const candidate = slot.ready.shift()!;
      if (candidate.status === "running") session = candidate;
    }
    // After the caller has counted the session as its own (same tick), or the refill would overshoot the limit.
    queueMicrotask(() => this.fill());
    return session;
  }

  /** Starts processes where an entry is below its size and a slot is free. */
  fill(): void {
    if (this.closing) return;
    for (const slot of this.slots.values()) {
      while (!slot.retry && slot.ready.length + slot.starting.size < slot.target.size && this.host.hasRoom()) this.startOne(slot);
    }
  }

  /** Gives up one warm process so a create can have its slot. False when the pool holds none. */
  evictOne(): boolean {
    let fullest: Slot | undefined;
    for (const slot of this.slots.values()) {
      if (slot.ready.length + slot.starting.size > 0 && (!fullest || slot.ready.length > fullest.ready.length)) fullest = slot;
    }
    if (!fullest) return false;
    this.stopOne(fullest);
    this.host.log.info("warm pool: gave a slot to a create", { server: fullest.target.label });
    return true;
  }

  /** Stops every warm process; nothing is refilled afterwards. */
  async shutdown(): Promise<void> {
    this.closing = true;
    const all: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.retry);
      for (const session of [...slot.ready, ...slot.starting]) all.push(session.stop());
      slot.ready = [];
      slot.starting.clear();
    }
    await Promise.allSettled(all);
  }

  /** Stops one of a slot's processes, a ready one first. A starting one leaves the slot now, so its start's end stops it too. */
  private stopOne(slot: Slot): void {
    const victim = slot.ready.pop() ?? slot.starting.values().next().value!;
    slot.starting.delete(victim);
    void victim.stop();
  }

  /** A slot no longer planned: its waiting and starting processes stop and its retry is cancelled. */
  private drop(slot: Slot): void {
    clearTimeout(slot.retry);
    slot.retry = undefined;
    const held = slot.ready.length + slot.starting.size;
    while (slot.ready.length + slot.starting.size > 0) this.stopOne(slot);
    this.host.log.info("warm pool: a launch the registry no longer plans; its waiting servers stopped", {
      server: slot.target.label,
      stopped: held,
    });
  }

  private startOne(slot: Slot): void {
    let session: Session;
    try {
      session = slot.target.create();
    } catch (error) {
      // Planned again at each start: a registry reload may have removed the server (or a group's member) since.
      this.retryLater(slot, error as Error);
      return;
    }
    slot.starting.add(session);
    this.host.warming?.(session);
    void session.start(slot.target.knownEra?.()).then(
      () => {
        // Evicted or shut down while starting: it is no longer ours to keep.
        if (!slot.starting.delete(session) || this.closing) {
          void session.stop();
          return;
        }
        slot.failures = 0;
        slot.target.started?.(session);
        slot.ready.push(session);
        session.onExit((gone) => {
          const at = slot.ready.indexOf(gone);
          if (at === -1) return; // handed out meanwhile: the manager watches it now
          slot.ready.splice(at, 1);
          this.host.log.warn("warm pool: a waiting server exited; starting another", { server: slot.target.label, pid: gone.pid });
          this.fill();
        });
      },
      (error: Error) => {
        if (!slot.starting.delete(session) || this.closing) return;
        this.retryLater(slot, error);
      },
    );
  }

  private retryLater(slot: Slot, error: Error): void {
    const wait = RETRY_MS[Math.min(slot.failures, RETRY_MS.length - 1)]!;
    slot.failures += 1;
    this.host.log.warn("warm pool: a server failed to start; retrying later", {
      server: slot.target.label,
      retry_ms: wait,
      reason: error.message,
    });
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      this.fill();
    }, wait);
    slot.retry.unref?.();
  }
}
