/**
 * A bounded, numbered log of what happened in a session (server
 * notifications, status changes, stderr lines). Readers page through it by
 * event id; a reader that fell behind the window is told how much it missed.
 * Live listeners (SSE, WebSocket) subscribe to new events.
 */

export type EventKind = "notification" | "status" | "stderr" | "client_request";

export interface SessionEvent {
  id: number;
  at: string;
  kind: EventKind;
  data: unknown;
}

export type EventListener = (event: SessionEvent) => void;

export class EventBuffer {
  private events: SessionEvent[] = [];
  private nextId = 1;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly capacity: number) {}

  push(kind: EventKind, data: unknown): SessionEvent {
    const event: SessionEvent = { id: this.nextId++, at: new Date().toISOString(), kind, data };
    this.events.push(event);
    // Trim in batches: shifting one element per push would make a busy buffer quadratic.
    if (this.events.length > this.capacity * 1.25) this.events = this.events.slice(this.events.length - this.capacity);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener must not stop the others.
      }
    }
    return event;
  }

  /** Events after `afterId`, at most `limit`; `dropped` counts events the window no longer holds. */
  since(afterId = 0, limit = this.capacity): { events: SessionEvent[]; dropped: number; lastId: number } {
    const window = this.events.length > this.capacity ? this.events.slice(this.events.length - this.capacity) : this.events;
    const oldest = window.length > 0 ? window[0].id : this.nextId;
    const dropped = Math.max(0, oldest - afterId - 1);
    const start = window.findIndex((event) => event.id > afterId);
    const events = start === -1 ? [] : window.slice(start, start + limit);
    return { events, dropped, lastId: this.nextId - 1 };
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
