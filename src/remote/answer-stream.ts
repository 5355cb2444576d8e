/**
 * A request's answer read from the SSE stream a POST opened, and, when that
 * stream ends before the answer, from the same stream resumed. Streamable HTTP
 * from 2025-03-26 to 2025-11-25 ("Resumability and Redelivery") lets a server
 * put an id on each event; a client that lost the connection sends a GET with
 * Last-Event-ID, and the server replays what it sent after that event on the
 * broken stream, then goes on there. A 2025-11-25 server may also close the
 * connection on purpose after an event with an id, and expects the client to
 * come back after its `retry:` time ("polling"). The 2026-07-28 revision has
 * no resumption: its streams are read once.
 *
 * The POST is never sent again: only the stream is resumed, so the request
 * runs once at the server and its answer is handed on once. A resumed stream
 * is read up to the answer (the SDK keeps a replayed stream open after it).
 * Attempts are bounded: RESUME_ATTEMPTS reconnections in a row that bring no
 * event, each after the server's `retry:` time or a doubling backoff, and all
 * of them within the request's own life (`signal`: its cancellation, its
 * deadline, the link's end).
 *
 * @example
 *   const outcome = await readAnswer({ id: 7, body: response.body!, resumable: true, signal, deliver, reopen, note });
 *   if (outcome.kind === "lost") endLink(`… could not be resumed: ${outcome.why}`);
 */
import { classify } from "../jsonrpc/messages.ts";
import { type SseCursor, sseEvents } from "./sse-events.ts";

/** Reconnections in a row that bring no event before the stream is given up. */
export const RESUME_ATTEMPTS = 5;
/** The wait before the first reconnection when the server named no `retry:` time; it doubles for each next one. */
export const RESUME_DELAY_MS = 250;
/** The doubling stops here (or at the server's `retry:` time, if longer). */
export const RESUME_DELAY_MAX_MS = 4_000;

export type AnswerOutcome =
  /** The answer was handed on. */
  | { kind: "answered" }
  /** The request was withdrawn (cancelled, past its deadline) or the link ended: nothing more to do. */
  | { kind: "withdrawn" }
  /** A stream that may not be resumed ended cleanly without the answer; it is left as it was. */
  | { kind: "ended" }
  /** The stream ended before the answer and could not be resumed; `cut` says how it ended, `why` why not. */
  | { kind: "lost"; cut: string; why: string }
  /** The resuming GET was answered 404: the server no longer knows the session. */
  | { kind: "forgotten" };

export interface AnswerSource {
  /** The id of the request the POST carried. */
  id: number | string;
  /** The POST's SSE body. */
  body: ReadableStream<Uint8Array>;
  /** Whether the protocol era lets this stream be resumed (2026-07-28 does not). */
  resumable: boolean;
  signal: AbortSignal;
  /** Hands on the messages of one event's data, and returns them. */
  deliver(data: string): unknown[];
  /** Opens the GET that resumes the stream after `lastEventId`. */
  reopen(lastEventId: string): Promise<Response>;
  /** Writes a line to the link's log. */
  note(text: string): void;
  /** Waits before a reconnection (`ms`, or less if `signal` aborts); a test's clock may stand in. */
  wait?(ms: number, signal: AbortSignal): Promise<void>;
}

/** How one connection of the stream ended. */
interface Read {
  answered: boolean;
  /** Events it brought: news, which starts the attempts again. */
  events: number;
  /** Why it ended without the answer: it broke, or it was refused. Undefined: the server closed it. */
  failure?: string;
}

/**
 * One connection of the stream. The POST's own is read `toTheEnd`, which the server marks after the answer (so the
 * connection can serve the next request); a resumed one stops at the answer, as a server may keep it open.
 */
async function read(body: ReadableStream<Uint8Array>, cursor: SseCursor, source: AnswerSource, toTheEnd: boolean): Promise<Read> {
  let events = 0;
  let answered = false;
  try {
    for await (const event of sseEvents(body, source.signal, cursor)) {
      events += 1;
      if (event.event !== "message" || event.data.trim() === "") continue;
      if (source.deliver(event.data).some((message) => answers(message, source.id))) answered = true;
      if (answered && !toTheEnd) break;
    }
    return { answered, events };
  } catch (error) {
    // Once the answer is in, what becomes of the rest of its stream does not matter.
    return { answered, events, failure: (error as Error).message };
  }
}

export async function readAnswer(source: AnswerSource): Promise<AnswerOutcome> {
  const cursor: SseCursor = {};
  let last = await read(source.body, cursor, source, true);
  const cut = last.failure === undefined ? "ended before its answer" : `broke (${last.failure})`;
  const lost = (why: string): AnswerOutcome => ({ kind: "lost", cut, why });
  let attempts = 0;
  for (;;) {
    if (last.answered) return { kind: "answered" };
    if (source.signal.aborted) return { kind: "withdrawn" };
    if (!source.resumable) return last.failure === undefined ? { kind: "ended" } : lost("a 2026-07-28 server's streams are not resumable");
    if (cursor.lastEventId === undefined) return lost("the server gave its events no id to resume from");
    if (last.events > 0) attempts = 0;
    if (attempts === RESUME_ATTEMPTS) {
      return lost(`${RESUME_ATTEMPTS} attempts in a row brought nothing${last.failure ? `, the last: ${last.failure}` : ""}`);
    }
    // The server's retry time first (it may have closed the connection on purpose), then a backoff from it.
    const base = cursor.retryMs ?? RESUME_DELAY_MS;
    const delay = attempts === 0 ? base : Math.min(Math.max(base, RESUME_DELAY_MS) * 2 ** attempts, Math.max(RESUME_DELAY_MAX_MS, base));
    attempts += 1;
    source.note(
      `the stream ${last.failure === undefined ? "ended" : `broke (${last.failure})`} before its answer; resuming after event ${cursor.lastEventId} in ${delay} ms (attempt ${attempts} of ${RESUME_ATTEMPTS})`,
    );
    await (source.wait ?? pause)(delay, source.signal);
    if (source.signal.aborted) return { kind: "withdrawn" };
    let response: Response;
    try {
      response = await source.reopen(cursor.lastEventId);
    } catch (error) {
      last = { answered: false, events: 0, failure: (error as Error).message };
      continue;
    }
    if (response.status === 404) {
      await response.body?.cancel();
      return { kind: "forgotten" };
    }
    if (response.status === 405) {
      await response.body?.cancel();
      return lost("the server answered the resuming GET with 405: it offers no stream to resume");
    }
    const type = (response.headers.get("content-type") ?? "").toLowerCase();
    if (!response.ok || !response.body || !type.startsWith("text/event-stream")) {
      // 409 from the SDK while it has not yet seen the old connection go; a proxy's 502: worth another attempt.
      const text = (await response.text().catch(() => "")).trim().slice(0, 200);
      last = { answered: false, events: 0, failure: `the resuming GET was answered HTTP ${response.status}${text ? `: ${text}` : ""}` };
      continue;
    }
    source.note(`resumed the stream after event ${cursor.lastEventId}`);
    last = await read(response.body, cursor, source, false);
  }
}

/** Waits `ms`, or less if `signal` aborts first. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Whether `message` is the answer (a result or an error) to the request with this id; a server may echo it as a string. */
function answers(message: unknown, id: number | string): boolean {
  const classified = classify(message);
  return classified.kind === "response" && String(classified.message.id) === String(id);
}
