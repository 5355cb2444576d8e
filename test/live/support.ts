/** Small clients for the live channels' tests: a plain WebSocket with a message inbox, and an SSE reader. */

export interface Inbox {
  ws: WebSocket;
  messages: any[];
  /** The first message (already received or still to come) matching `match`. */
  next(match: (message: any) => boolean, timeoutMs?: number): Promise<any>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

/** `headers`: sent with the upgrade (Bun's WebSocket takes them), e.g. a credential. */
export async function openSocket(url: string, headers?: Record<string, string>): Promise<Inbox> {
  const ws = headers ? new WebSocket(url, { headers } as never) : new WebSocket(url);
  const messages: any[] = [];
  const waiters: { match: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data));
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.onclose = (event) => resolve({ code: event.code, reason: event.reason });
  });
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`WebSocket to ${url} failed`));
  });
  return {
    ws,
    messages,
    closed,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match, timeoutMs = 10_000) => {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no matching WebSocket message in time")), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
  };
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Reads an SSE response event by event. */
export class SseReader {
  readonly events: SseEvent[] = [];
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  ended = false;

  constructor(readonly response: Response) {
    this.reader = response.body!.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  }

  /** Reads until an event matches (or the stream ends: then throws). */
  async until(match: (event: SseEvent) => boolean): Promise<SseEvent> {
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.ended) throw new Error(`SSE stream ended without a matching event; got ${JSON.stringify(this.events)}`);
      await this.pump();
    }
  }

  /** Reads until the stream ends. */
  async drain(): Promise<SseEvent[]> {
    while (!this.ended) await this.pump();
    return this.events;
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }

  private async pump(): Promise<void> {
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return;
    }
    this.buffer += this.decoder.decode(value, { stream: true });
    let end: number;
    while ((end = this.buffer.indexOf("\n\n")) !== -1) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = { data: "" };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "id") event.id = value;
        else if (field === "event") event.event = value;
        else if (field === "data") data.push(value);
      }
      event.data = data.join("\n");
      if (event.id !== undefined || event.event !== undefined || data.length > 0) this.events.push(event);
    }
  }
}
