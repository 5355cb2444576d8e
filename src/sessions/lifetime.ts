/**
 * A session's timeline: when it was created (or handed over, or restored),
 * when its server last started and exited and how, and the activity that
 * keeps it from being stopped as idle. Each fact changes only through the
 * event that sets it.
 */
import type { ExitInfo } from "../process/server-link.ts";
import { describeExit } from "./exit-report.ts";
import type { SessionInfo } from "./session-info.ts";

export class Lifetime {
  createdAt = new Date();
  startedAt: Date | undefined;
  exitedAt: Date | undefined;
  exit: ExitInfo | undefined;
  /** The server exited without the station asking it to. */
  crashed = false;
  /** Set when the session came back after a station restart. */
  restoredAt: Date | undefined;
  lastActivityAt = Date.now();
  requestsTotal = 0;

  /** A new run begins: the last one's end is forgotten. */
  starting(): void {
    this.exit = undefined;
    this.exitedAt = undefined;
    this.crashed = false;
  }

  started(): void {
    this.startedAt = new Date();
  }

  exited(exit: ExitInfo, crashed: boolean): void {
    this.exit = exit;
    this.exitedAt = new Date();
    this.crashed = crashed;
  }

  /** No run is coming (failed): the session's end is now, unless its server ended earlier. */
  ended(): void {
    this.exitedAt ??= new Date();
  }

  /** A warm process became a caller's session: the session begins now. */
  handedOver(): void {
    this.createdAt = new Date();
    this.lastActivityAt = Date.now();
  }

  /** The session came back after a station restart; it was created at `createdAt`. */
  restored(createdAt: Date): void {
    this.createdAt = createdAt;
    this.restoredAt = new Date();
  }

  /** A caller's request (counted) or notification. */
  active(counted: boolean): void {
    this.lastActivityAt = Date.now();
    if (counted) this.requestsTotal += 1;
  }

  info(): Pick<
    SessionInfo,
    | "created_at"
    | "started_at"
    | "exited_at"
    | "exit_code"
    | "exit_signal"
    | "exit_reason"
    | "crashed"
    | "requests_total"
    | "last_activity_at"
    | "restored"
    | "restored_at"
  > {
    return {
      created_at: this.createdAt.toISOString(),
      started_at: this.startedAt?.toISOString() ?? null,
      exited_at: this.exitedAt?.toISOString() ?? null,
      exit_code: this.exit?.code ?? null,
      exit_signal: this.exit?.signal ?? null,
      exit_reason: this.exit ? describeExit(this.exit) : null,
      crashed: this.crashed,
      requests_total: this.requestsTotal,
      last_activity_at: new Date(this.lastActivityAt).toISOString(),
      restored: this.restoredAt !== undefined,
      restored_at: this.restoredAt?.toISOString() ?? null,
    };
  }
}
