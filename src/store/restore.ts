/**
 * Bringing sessions back after the station restarts. First the process
 * groups the previous run left behind are ended (leftovers.ts). Then every
 * session that was live (starting, running, unresponsive, restarting) comes
 * back under its old session_id: planned again from its stored request under
 * the current command policy, started, and handshaken again. One that cannot
 * be (its env_vars were not stored, the policy now refuses it, the server
 * fails to start) stays listed as `failed` with the reason. Sessions that had
 * ended, those tied to a client connection (ephemeral) and warm processes
 * not yet handed out (status "warm") are forgotten.
 */
import type { Logger } from "../log.ts";
import type { SessionManager } from "../sessions/manager.ts";
import type { Session } from "../sessions/session.ts";
import { reapLeftovers } from "./leftovers.ts";
import type { SessionStore, StoredSession } from "./session-store.ts";

const LIVE = new Set(["starting", "running", "unresponsive", "restarting"]);

export interface RestoreReport {
  restored: number;
  failed: number;
  forgotten: number;
  /** Process groups of the previous run that were still running and were ended. */
  reaped: number;
}

export interface RestoreOptions {
  /** false: forget every stored session instead (MCP_STATION_RESTORE=off). */
  restore: boolean;
  /** Time a leftover group gets between SIGTERM and SIGKILL. */
  graceMs: number;
  /** Asked before each session is adopted; false: the rest are left alone (a cluster node that fenced meanwhile). */
  admit?: () => boolean;
}

export async function restoreSessions(
  store: SessionStore,
  manager: SessionManager,
  options: RestoreOptions,
  log: Logger,
): Promise<RestoreReport> {
  // Rows this run wrote already (its warm processes, a session created meanwhile) are not the previous run's leftovers.
  return restoreRows(await store.load(), store, manager, options, log);
}

/**
 * Restores the given rows (restoreSessions's, or in a cluster the sessions a node adopted from a dead
 * one, src/cluster/adoption.ts): their leftover process groups are ended first, wherever they are ours to
 * end (same boot), then each live one starts again under its id.
 */
export async function restoreRows(
  all: StoredSession[],
  store: SessionStore,
  manager: SessionManager,
  options: RestoreOptions,
  log: Logger,
): Promise<RestoreReport> {
  const rows = all.filter((row) => !manager.holds(row.session_id));
  const reaped = await reapLeftovers(
    rows.flatMap((row) => (row.process ? [row.process] : [])),
    options.graceMs,
  );
  if (reaped.length > 0) log.warn("ended servers left running by the previous run", { process_groups: reaped });
  const report: RestoreReport = { restored: 0, failed: 0, forgotten: 0, reaped: reaped.length };
  const starts: Promise<void>[] = [];
  for (const row of rows) {
    if (options.admit && !options.admit()) break;
    // An ephemeral session belonged to a client connection that the restart ended.
    if (!options.restore || !LIVE.has(row.status) || row.request.ephemeral) {
      await store.remove(row.session_id);
      report.forgotten += 1;
      continue;
    }
    const session = manager.prepareRestore(row.request, row.owner ?? "local", row.session_id);
    session.markRestored(new Date(row.created_at), row.restarts);
    if (session.status !== "failed" && row.dropped_env.length > 0) {
      session.markFailed(
        `could not be restored: the values of env_vars ${row.dropped_env.join(", ")} were not stored (MCP_STATION_STORE_SECRETS=drop)`,
      );
    }
    manager.adopt(session);
    if (session.status === "failed") {
      report.failed += 1;
      continue;
    }
    starts.push(start(session, row, report, log));
  }
  await Promise.all(starts);
  log.info("sessions restored", { ...report });
  return report;
}

async function start(session: Session, row: StoredSession, report: RestoreReport, log: Logger): Promise<void> {
  const era = row.identity?.era === "modern" || row.identity?.era === "legacy" ? row.identity.era : undefined;
  try {
    await session.start(era);
    report.restored += 1;
  } catch (error) {
    report.failed += 1;
    if (session.stopRequested) return;
    session.markFailed(`could not be restored: ${(error as Error).message}`);
    log.warn("session could not be restored", { session_id: session.id, reason: session.failureReason });
  }
}
