/**
 * GET /sessions/{id}/events as Server-Sent Events: the session's events
 * (server notifications, status changes, server requests) and its stderr
 * lines, live. Each SSE id is a cursor over both logs, `<event id>-<stderr
 * seq>`, so a reader that reconnects with Last-Event-ID gets exactly what it
 * missed, or an `event: dropped` marker saying how much the bounded buffers
 * no longer hold. Stderr is read from the stderr log, not the event buffer:
 * a server flooding stderr must not evict its notifications. The updates of a
 * resource the reader may not read are left out, live and replayed alike
 * (isWithheld): the cursor passes over them.
 *
 * @example
 *   curl -N -H 'accept: text/event-stream' localhost:20100/sessions/$ID/events
 */
import type { StderrLine } from "../process/stderr-log.ts";
import type { Caller } from "../security/caller.ts";
import { isWithheld } from "../sessions/access-check.ts";
import type { SessionEvent } from "../sessions/event-buffer.ts";
import { type Session, isTerminal } from "../sessions/session.ts";
import { SseStream } from "./sse.ts";

export interface EventStreamSettings {
  keepAliveMs: number;
  maxQueuedBytes: number;
}

export interface Cursor {
  event: number;
  /** Stderr lines after this seq; undefined: from now on (a plain event id was given). */
  stderr: number | undefined;
}

/** Reads Last-Event-ID ("12-40", or a plain event id "12"), else `?after=`, else the start of the buffer. */
export function parseCursor(lastEventId: string | null, after: number | undefined): Cursor {
  const match = lastEventId?.trim().match(/^(\d+)(?:-(\d+))?$/);
  if (match) return { event: Number(match[1]), stderr: match[2] === undefined ? undefined : Number(match[2]) };
  return { event: after ?? 0, stderr: after === undefined ? 0 : undefined };
}

/** The stream `caller` (who opened it: the session's owner or an admin) reads. */
export function eventStream(
  session: Session,
  request: Request,
  after: number | undefined,
  settings: EventStreamSettings,
  caller: Caller,
): Response {
  const cursor = parseCursor(request.headers.get("last-event-id"), after);
  const stderrLog = session.stderr;
  let lastEvent = cursor.event;
  let lastStderr = cursor.stderr ?? stderrLog?.tail(1)[0]?.seq ?? 0;
  const page = session.events.since(cursor.event);
  const lines = cursor.stderr === undefined ? [] : (stderrLog?.tail(Number.MAX_SAFE_INTEGER, cursor.stderr) ?? []);
  if (isTerminal(session.status) && page.events.length === 0 && lines.length === 0 && page.dropped === 0) {
    // Nothing more will ever come: 204 tells an EventSource to stop reconnecting.
    return new Response(null, { status: 204 });
  }

  const sse = new SseStream({ keepAliveMs: settings.keepAliveMs, maxQueuedBytes: settings.maxQueuedBytes }).bindTo(request.signal);
  const id = () => `${lastEvent}-${lastStderr}`;
  const sendEvent = (event: SessionEvent) => {
    if (event.id <= lastEvent) return;
    lastEvent = event.id;
    if (isWithheld(session, event, caller)) return;
    sse.send({ id: id(), event: event.kind, data: JSON.stringify(event) });
    if (event.kind === "status" && isTerminal((event.data as { status: Session["status"] }).status)) endIfFinal(session, () => sse.close());
  };
  const sendLine = (line: StderrLine) => {
    if (line.seq <= lastStderr) return;
    lastStderr = line.seq;
    sse.send({ id: id(), event: "stderr", data: JSON.stringify(line) });
  };

  sse.send({ retry: 1000, data: JSON.stringify({ session_id: session.id, status: session.status, cursor: id() }), event: "open" });
  const stderrGap = lines.length > 0 && cursor.stderr !== undefined ? lines[0].seq - cursor.stderr - 1 : 0;
  if (page.dropped > 0 || stderrGap > 0) {
    sse.send({ event: "dropped", data: JSON.stringify({ events: page.dropped, stderr_lines: stderrGap, after: id() }) });
  }
  // Replay and subscribe in the same turn: nothing can be pushed in between.
  for (const line of lines) sendLine(line);
  for (const event of page.events) sendEvent(event);
  if (sse.closed) return sse.response;
  if (isTerminal(session.status)) {
    // Caught up with a session that has ended (exited or failed): nothing more will come.
    sse.close();
    return sse.response;
  }
  const unsubscribeEvents = session.events.subscribe(sendEvent);
  const unsubscribeStderr = session.onStderr(sendLine);
  sse.onClose(() => {
    unsubscribeEvents();
    unsubscribeStderr();
  });
  return sse.response;
}

/**
 * Calls `end` once the session's terminal status (exited, failed) is final. Status events are pushed while
 * the session's exit listeners have yet to run: a restart policy turns `exited` into `restarting` (or
 * `failed`) right after, in the same turn, so the check waits for that turn to finish.
 */
export function endIfFinal(session: Session, end: () => void): void {
  queueMicrotask(() => {
    if (isTerminal(session.status)) end();
  });
}
