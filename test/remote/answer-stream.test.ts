/**
 * readAnswer on its own, with streams and resuming GETs made up in the test
 * and the waits recorded instead of slept: when a stream is resumed and when
 * it is given up, what each outcome says, and how long it waits before each
 * attempt (the server's `retry:` time first, then a doubling backoff). The
 * same against a real server through a relay that breaks the connection:
 * resume.test.ts.
 */
import { describe, expect, test } from "bun:test";
import { type AnswerSource, RESUME_ATTEMPTS, RESUME_DELAY_MAX_MS, RESUME_DELAY_MS, readAnswer } from "../../src/remote/answer-stream.ts";

const encoder = new TextEncoder();

/** A body that sends `text`, then ends cleanly or (`broken`) with an error, as a reset connection does. */
function body(text: string, broken = false): ReadableStream<Uint8Array> {
  let sent = text === "";
  return new ReadableStream({
    // The error comes on the read after the text (an error at once would drop what was queued).
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(encoder.encode(text));
      } else if (broken) controller.error(new Error("connection reset"));
      else controller.close();
    },
  });
}

const sse = (text: string, init: ResponseInit = {}) =>
  new Response(body(text), { status: 200, headers: { "content-type": "text/event-stream" }, ...init });
const event = (id: string, message: unknown) => `id: ${id}\ndata: ${JSON.stringify(message)}\n\n`;
const progress = (n: number) => ({ jsonrpc: "2.0", method: "notifications/progress", params: { progressToken: 1, progress: n } });
const ANSWER = { jsonrpc: "2.0", id: 7, result: { content: [] } };

/** A source whose resuming GETs answer `reopens` in turn (a Response, or an Error thrown), recording what happens. */
function source(first: ReadableStream<Uint8Array>, reopens: (Response | Error)[], resumable = true) {
  const delivered: unknown[] = [];
  const asked: string[] = [];
  const waits: number[] = [];
  const controller = new AbortController();
  const src: AnswerSource = {
    id: 7,
    body: first,
    resumable,
    signal: controller.signal,
    deliver: (data) => {
      const message = JSON.parse(data);
      delivered.push(message);
      return [message];
    },
    reopen: async (lastEventId) => {
      asked.push(lastEventId);
      const next = reopens.shift() ?? new Error("no more");
      if (next instanceof Error) throw next;
      return next;
    },
    note: () => {},
    wait: async (ms) => {
      waits.push(ms);
    },
  };
  return { src, delivered, asked, waits, controller };
}

describe("readAnswer", () => {
  test("a stream that carries its answer is read to it, with nothing resumed", async () => {
    const { src, delivered, asked } = source(body(event("a.1", progress(1)) + event("a.2", ANSWER)), []);
    expect(await readAnswer(src)).toEqual({ kind: "answered" });
    expect(delivered).toEqual([progress(1), ANSWER]);
    expect(asked).toEqual([]);
  });

  test("a stream that breaks after its answer needs nothing more", async () => {
    const { src, asked } = source(body(event("a.1", ANSWER), true), []);
    expect(await readAnswer(src)).toEqual({ kind: "answered" });
    expect(asked).toEqual([]);
  });

  test("a broken stream is resumed after its last event; the replay goes on to the answer, and reading stops there", async () => {
    const first = body(`id: a.0\ndata: \n\n${event("a.1", progress(1))}`, true);
    const { src, delivered, asked, waits } = source(first, [
      sse(event("a.2", progress(2)) + event("a.3", ANSWER) + event("a.4", progress(9))),
    ]);
    expect(await readAnswer(src)).toEqual({ kind: "answered" });
    expect(asked).toEqual(["a.1"]);
    expect(delivered).toEqual([progress(1), progress(2), ANSWER]);
    expect(waits).toEqual([RESUME_DELAY_MS]);
  });

  test("a stream the server closed after a priming event is resumed after the server's retry time", async () => {
    const { src, asked, waits } = source(body("id: p.0\nretry: 3000\ndata: \n\n"), [sse(event("p.1", ANSWER))]);
    expect(await readAnswer(src)).toEqual({ kind: "answered" });
    expect(asked).toEqual(["p.0"]);
    expect(waits).toEqual([3000]);
  });

  test("attempts that bring nothing back off, and the stream is given up after RESUME_ATTEMPTS of them", async () => {
    const failures = Array.from({ length: RESUME_ATTEMPTS }, () => new Error("connection refused"));
    const { src, asked, waits } = source(body(event("a.1", progress(1)), true), failures);
    const outcome = await readAnswer(src);
    expect(outcome).toEqual({
      kind: "lost",
      cut: "broke (connection reset)",
      why: `${RESUME_ATTEMPTS} attempts in a row brought nothing, the last: connection refused`,
    });
    expect(asked).toHaveLength(RESUME_ATTEMPTS);
    expect(waits).toEqual(Array.from({ length: RESUME_ATTEMPTS }, (_, n) => Math.min(RESUME_DELAY_MS * 2 ** n, RESUME_DELAY_MAX_MS)));
  });

  test("a resumed stream that brings news starts the attempts again", async () => {
    const refused = () => new Response("busy", { status: 409 });
    const news = new Response(body(event("a.2", progress(2)), true), { headers: { "content-type": "text/event-stream" } });
    const reopens = [refused(), refused(), news, refused(), sse(event("a.3", ANSWER))];
    const { src, asked, waits } = source(body(event("a.1", progress(1)), true), reopens);
    expect(await readAnswer(src)).toEqual({ kind: "answered" });
    expect(asked).toEqual(["a.1", "a.1", "a.1", "a.2", "a.2"]);
    expect(waits).toEqual([RESUME_DELAY_MS, RESUME_DELAY_MS * 2, RESUME_DELAY_MS * 4, RESUME_DELAY_MS, RESUME_DELAY_MS * 2]);
  });

  test("no event id, a 405, a 404: no resumption", async () => {
    const noId = source(body(`data: ${JSON.stringify(progress(1))}\n\n`, true), []);
    expect(await readAnswer(noId.src)).toEqual({
      kind: "lost",
      cut: "broke (connection reset)",
      why: "the server gave its events no id to resume from",
    });
    expect(noId.asked).toEqual([]);
    const refused = source(body(event("a.1", progress(1))), [new Response(null, { status: 405 })]);
    expect(await readAnswer(refused.src)).toEqual({
      kind: "lost",
      cut: "ended before its answer",
      why: "the server answered the resuming GET with 405: it offers no stream to resume",
    });
    const forgotten = source(body(event("a.1", progress(1)), true), [new Response(null, { status: 404 })]);
    expect(await readAnswer(forgotten.src)).toEqual({ kind: "forgotten" });
  });

  test("a 2026-07-28 stream is never resumed: broken it is lost, ended it is left as it was", async () => {
    const broken = source(body(event("m.1", progress(1)), true), [], false);
    expect(await readAnswer(broken.src)).toEqual({
      kind: "lost",
      cut: "broke (connection reset)",
      why: "a 2026-07-28 server's streams are not resumable",
    });
    const ended = source(body(event("m.1", progress(1))), [], false);
    expect(await readAnswer(ended.src)).toEqual({ kind: "ended" });
    expect([...broken.asked, ...ended.asked]).toEqual([]);
  });

  test("a request withdrawn while it waits to resume stops there", async () => {
    const { src, asked, controller } = source(body(event("a.1", progress(1)), true), []);
    src.wait = async () => controller.abort();
    expect(await readAnswer(src)).toEqual({ kind: "withdrawn" });
    expect(asked).toEqual([]);
  });
});
