/**
 * What keeps a station running for months, wired to the manager: metrics,
 * the restart policy, health checks, each session's history, and (with a
 * store) persistence and the restore at start. Built by createStation;
 * index.ts runs restore() after listening and freeze() first thing at
 * shutdown.
 */
import type { Config } from "./config.ts";
import { HealthChecker } from "./health/checker.ts";
import type { Logger } from "./log.ts";
import type { StationMetrics } from "./metrics/station-metrics.ts";
import type { SessionManager } from "./sessions/manager.ts";
import { RestartSupervisor } from "./sessions/restart.ts";
import { SessionHistory } from "./store/session-history.ts";
import { SessionPersistence } from "./store/persistence.ts";
import { type RestoreReport, restoreSessions } from "./store/restore.ts";
import type { SessionStore } from "./store/session-store.ts";

export interface Readiness {
  ready: boolean;
  store: "ok" | "unreachable" | "off";
  restore: "pending" | "running" | "done" | "off";
}

export function setUpOperations(config: Config, manager: SessionManager, metrics: StationMetrics, log: Logger, store?: SessionStore) {
  const supervisor = new RestartSupervisor(
    {
      policy: config.restartPolicy,
      maxRestarts: config.maxRestarts,
      backoffMs: config.restartBackoffMs,
      maxBackoffMs: config.restartBackoffMaxMs,
      registryPolicy: (name) => {
        const entry = config.registry.get(name);
        return entry ? { policy: entry.restartPolicy, maxRestarts: entry.maxRestarts } : undefined;
      },
      onRestart: (session, reason, ok) => metrics.restarted(session, reason, ok),
    },
    log,
  );
  // The supervisor first: it settles each session's policy, which the store then records.
  manager.observe(supervisor);
  metrics.attach(manager);
  const persistence = store ? new SessionPersistence(store, config.storeSecrets, log, () => metrics.storeFailed()) : undefined;
  if (persistence) {
    manager.observe(persistence);
    metrics.watchUnsaved(() => persistence.unsavedCount);
  }
  // After the store: a session's row is queued before the first entry of its history.
  const history = new SessionHistory(log, persistence);
  manager.observe(history);
  const checker: HealthChecker = new HealthChecker(
    () => {
      if (!manager.shuttingDown) return manager.list();
      checker.stop();
      return [];
    },
    {
      intervalMs: config.healthIntervalMs,
      timeoutMs: config.healthTimeoutMs,
      restartAfter: config.healthRestartAfter,
      recycle: (session) => supervisor.recycle(session),
      onCheck: (ok) => metrics.healthChecked(ok),
      onResult: (session, check) => history.checked(session, check),
    },
    log,
  );
  checker.start();
  let restoreState: Readiness["restore"] = store ? "pending" : "off";

  return {
    supervisor,
    checker,
    persistence,
    store,
    history,

    /** Ends what the previous run left and brings its sessions back (no-op without a store). */
    async restore(): Promise<RestoreReport | undefined> {
      if (!store) return undefined;
      restoreState = "running";
      try {
        return await restoreSessions(store, manager, { restore: config.restore, graceMs: config.stopTermMs }, log);
      } finally {
        restoreState = "done";
      }
    },

    /** Readiness: not shutting down, the store (if any) answers within 2 s, and the previous run's sessions are back. */
    async readiness(): Promise<Readiness> {
      let storeState: Readiness["store"] = "off";
      if (store) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await Promise.race([
            store.ping(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error("timeout")), 2_000);
            }),
          ]);
          storeState = "ok";
        } catch {
          storeState = "unreachable";
        } finally {
          clearTimeout(timer);
        }
      }
      // While restore runs, restored sessions answer 404 or not yet: not ready. "pending" is only the moment between listen and restore().
      const ready = !manager.shuttingDown && storeState !== "unreachable" && restoreState !== "running";
      return { ready, store: storeState, restore: restoreState };
    },

    /** At shutdown, before the sessions are stopped: keep the store's record as it is, for the next start. */
    async freeze(): Promise<void> {
      checker.stop();
      await persistence?.freeze();
    },

    async close(): Promise<void> {
      checker.stop();
      await persistence?.flushed();
      await store?.close();
    },
  };
}

export type Operations = ReturnType<typeof setUpOperations>;
