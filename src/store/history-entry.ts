/**
 * One entry of a session's history (GET /sessions/{id}/history): something
 * that happened to the session, when, and the status it left the session
 * in, so the status changes read straight down the list. Four kinds:
 *
 *   status   a status change the other kinds do not explain (starting, running, stopping, failed, ...)
 *   exit     the server exited (status exited): exit code, signal, whether the station asked, its last stderr
 *   restart  the restart policy will start it again (status restarting): why, and when
 *   health   a health check whose outcome differs from the one before (answered <-> unanswered)
 *
 * One schema for the route's answer and the store's rows: the common fields
 * are columns of `<prefix>status_history`, the rest of a kind is its `data`.
 *
 * @example
 *   const entry: HistoryEntry = { at: "2026-11-24T13:58:18.320Z", kind: "status", status: "running", detail: null };
 */
import { type SchemaOptions, type Static, type TSchema, Type } from "@sinclair/typebox";
import type { Row } from "./database.ts";
import { SessionStatus } from "../sessions/session-info.ts";

/** Entries kept per session, in the store and in memory: the newest, older ones are dropped. */
export const HISTORY_KEPT = 100;
/** An exit's stderr: its last lines, and of those no more than the last characters (a line may be 8 KB). */
export const STDERR_TAIL_LINES = 20;
export const STDERR_TAIL_CHARS = 2_048;

/** As Elysia's t.Nullable writes it: the `nullable` flag is what its OpenAPI document shows. */
const nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) =>
  Type.Union([schema, Type.Null()], { ...options, nullable: true });

const common = {
  at: Type.String({ description: "When it happened (ISO 8601)" }),
  status: SessionStatus,
  detail: nullable(Type.String({ description: "One line for people: a failure's reason, an exit, a check's outcome" })),
};

export const StatusEntry = Type.Object({ kind: Type.Literal("status"), ...common }, { description: "A status change" });

export const ExitEntry = Type.Object(
  {
    kind: Type.Literal("exit"),
    ...common,
    exit_code: nullable(Type.Integer()),
    exit_signal: nullable(Type.String()),
    crashed: Type.Boolean({ description: "The server exited without the station asking it to" }),
    stderr_tail: Type.String({
      description: `Its last stderr lines (at most ${STDERR_TAIL_LINES} lines and ${STDERR_TAIL_CHARS} characters)`,
    }),
  },
  { description: "The server exited" },
);

export const RestartEntry = Type.Object(
  {
    kind: Type.Literal("restart"),
    ...common,
    reason: Type.String({ description: "Why the server is started again: how it exited, or that it stopped answering health checks" }),
    next_attempt_at: nullable(Type.String()),
  },
  { description: "The restart policy will start the server again" },
);

export const HealthEntry = Type.Object(
  {
    kind: Type.Literal("health"),
    ...common,
    ok: Type.Boolean({ description: "The server answered" }),
    method: Type.String({ description: "ping (legacy) or server/discover (2026-07-28)" }),
    latency_ms: nullable(Type.Number()),
    error: nullable(Type.String()),
    consecutive_failures: Type.Integer(),
  },
  { description: "A health check answered after one that was not (or the first), or unanswered after one that was" },
);

export const HistoryEntry = Type.Union([StatusEntry, ExitEntry, RestartEntry, HealthEntry]);
export type HistoryEntry = Static<typeof HistoryEntry>;
export type ExitEntry = Static<typeof ExitEntry>;
export type RestartEntry = Static<typeof RestartEntry>;
export type HealthEntry = Static<typeof HealthEntry>;

/** The columns of a history row besides its session and sequence number. */
export interface HistoryColumns {
  at: string;
  kind: HistoryEntry["kind"];
  status: string;
  detail: string | null;
  /** The kind's own fields as JSON; null for a status change. */
  data: string | null;
}

export function toColumns(entry: HistoryEntry): HistoryColumns {
  const { at, kind, status, detail, ...rest } = entry;
  return { at, kind, status, detail, data: kind === "status" ? null : JSON.stringify(rest) };
}

/** A stored row back as an entry. Rows written before schema version 3 are status changes without `kind`. */
export function fromColumns(row: Row): HistoryEntry {
  const data = row.data === null || row.data === undefined ? {} : JSON.parse(String(row.data));
  return {
    at: String(row.at),
    kind: row.kind ? String(row.kind) : "status",
    status: String(row.status),
    detail: row.detail === null || row.detail === undefined ? null : String(row.detail),
    ...data,
  } as HistoryEntry;
}
