/**
 * One SSE stream of a legacy MCP session (a POST's response stream or the GET
 * stream) that outlives its HTTP connection: every event is numbered and kept
 * (bounded), so a client that lost the connection resumes with GET and
 * Last-Event-ID, as Streamable HTTP 2025-03-26..2025-11-25 allows. Event ids
 * are `<stream id>_<seq>`, which says which stream to resume.
 */
import type { SseStream } from "../live/sse.ts";

const KEPT_EVENTS = 1000;

export class ReplayableStream {
  private readonly events: { seq: number; data: string }[] = [];
  private nextSeq = 1;
  private sink: SseStream | undefined;
  /** The stream's last message (a POST's response) was sent: a resumed reader gets the rest, then the end. */
  done = false;

  constructor(readonly id: string) {}

  get attached(): boolean {
    return this.sink !== undefined && !this.sink.closed;
  }

  /** Sends `message` now if a reader is attached, and keeps it for one that resumes. */
  send(message: unknown): void {
    const seq = this.nextSeq++;
    const data = JSON.stringify(message);
    this.events.push({ seq, data });
    if (this.events.length > KEPT_EVENTS) this.events.splice(0, this.events.length - KEPT_EVENTS);
    this.sink?.send({ id: `${this.id}_${seq}`, event: "message", data });
  }

  /** A priming event (an id, no data) lets a 2025-11-25 client resume even before the first message. */
  prime(): void {
    this.sink?.send({ id: `${this.id}_${this.nextSeq - 1}`, data: "" });
  }

  /** Attaches a reader; with `afterSeq`, first replays what it missed. */
  attach(sse: SseStream, afterSeq?: number): void {
    if (this.sink && this.sink !== sse) this.sink.close();
    this.sink = sse;
    sse.onClose(() => {
      if (this.sink === sse) this.sink = undefined;
    });
    if (afterSeq !== undefined) {
      for (const event of this.events) if (event.seq > afterSeq) sse.send({ id: `${this.id}_${event.seq}`, event: "message", data: event.data });
    }
    if (this.done) sse.close();
  }

  finish(): void {
    this.done = true;
    this.sink?.close();
  }

  detach(): void {
    this.sink?.close();
    this.sink = undefined;
  }
}

/** Splits a Last-Event-ID into its stream id and sequence number. */
export function parseEventId(value: string | null): { stream: string; seq: number } | undefined {
  const match = value?.match(/^(.+)_(\d+)$/);
  return match ? { stream: match[1], seq: Number(match[2]) } : undefined;
}
