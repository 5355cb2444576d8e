/**
 * One SSE stream of a legacy MCP session (a POST's response stream or the GET
 * stream) that outlives its HTTP connection: every event is numbered and kept
 * for a client that lost the connection and resumes with GET and
 * Last-Event-ID, as Streamable HTTP 2025-03-26..2025-11-25 allows. Event ids
 * are `<stream id>_<seq>`, which says which stream to resume.
 *
 * What is kept is bounded by the stream's keeper (the MCP session, within
 * MCP_STATION_MCP_RESUME_BYTES): it is told each change in kept bytes and may
 * evict. Replay is a MAY in the spec: a resume after events that were evicted
 * replays what is still held.
 */
import type { SseStream } from "../../http/sse.ts";

/** Events one stream keeps at most, whatever their size. */
const KEPT_EVENTS = 1000;
/** Counted per kept event besides its text (its record, id and slot), so a flood of tiny events is bounded too. */
export const EVENT_OVERHEAD_BYTES = 64;

/** Owns the bound on what a set of streams keeps. */
export interface StreamKeeper {
  /** Largest number of bytes worth keeping at all: a bigger event is sent live only. */
  readonly resumeBytes: number;
  /** The stream's kept bytes changed by `delta`; the keeper may evict (from this stream or others). */
  keptChanged(stream: ReplayableStream, delta: number): void;
  /** The stream sent its last message. */
  finished(stream: ReplayableStream): void;
}

interface KeptEvent {
  seq: number;
  data: string;
  cost: number;
  /** Its place among all the keeper's events: the oldest is evicted first. */
  arrival: number;
}

export class ReplayableStream {
  private events: KeptEvent[] = [];
  private first = 0;
  private nextSeq = 1;
  private sink: SseStream | undefined;
  /** Bytes its kept events count for (text plus overhead). */
  keptBytes = 0;
  /** The stream's last message (a POST's response) was sent: a resumed reader gets the rest, then the end. */
  done = false;
  /** Its newest message is kept (false: it was too big for the bound, and a resume could not give it). */
  keptNewest = true;

  constructor(
    readonly id: string,
    private readonly keeper: StreamKeeper,
    /** Numbers events across the keeper's streams. */
    private readonly nextArrival: () => number,
  ) {}

  get attached(): boolean {
    return this.sink !== undefined && !this.sink.closed;
  }

  /** Arrival number of its oldest kept event, undefined when it keeps none. */
  get oldestArrival(): number | undefined {
    return this.first < this.events.length ? this.events[this.first].arrival : undefined;
  }

  /** Sends `message` now if a reader is attached, and keeps it for one that resumes. */
  send(message: unknown): void {
    const seq = this.nextSeq++;
    const data = JSON.stringify(message);
    this.sink?.send({ id: `${this.id}_${seq}`, event: "message", data });
    const cost = Buffer.byteLength(data) + EVENT_OVERHEAD_BYTES;
    this.keptNewest = cost <= this.keeper.resumeBytes;
    if (!this.keptNewest) return;
    this.events.push({ seq, data, cost, arrival: this.nextArrival() });
    this.keptBytes += cost;
    let delta = cost;
    if (this.events.length - this.first > KEPT_EVENTS) delta -= this.evictOldest();
    this.keeper.keptChanged(this, delta);
  }

  /** Forgets its oldest kept event; returns the bytes freed (0 when it keeps none). */
  evictOldest(): number {
    if (this.first >= this.events.length) return 0;
    const cost = this.events[this.first].cost;
    this.first += 1;
    // Compact now and then: shifting one element per eviction would make a busy stream quadratic.
    if (this.first > 64 && this.first * 2 > this.events.length) {
      this.events = this.events.slice(this.first);
      this.first = 0;
    }
    this.keptBytes -= cost;
    return cost;
  }

  /** Forgets every kept event; returns the bytes freed. */
  forget(): number {
    const freed = this.keptBytes;
    this.events = [];
    this.first = 0;
    this.keptBytes = 0;
    return freed;
  }

  /** A priming event (an id, no data) lets a 2025-11-25 client resume even before the first message. */
  prime(): void {
    this.sink?.send({ id: `${this.id}_${this.nextSeq - 1}`, data: "" });
  }

  /** Attaches a reader; with `afterSeq`, first replays what it missed and is still held. */
  attach(sse: SseStream, afterSeq?: number): void {
    if (this.sink && this.sink !== sse) this.sink.close();
    this.sink = sse;
    sse.onClose(() => {
      if (this.sink === sse) this.sink = undefined;
    });
    if (afterSeq !== undefined) {
      for (let i = this.first; i < this.events.length; i++) {
        const event = this.events[i];
        if (event.seq > afterSeq) sse.send({ id: `${this.id}_${event.seq}`, event: "message", data: event.data });
      }
    }
    if (this.done) sse.close();
  }

  finish(): void {
    this.done = true;
    this.sink?.close();
    this.keeper.finished(this);
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
