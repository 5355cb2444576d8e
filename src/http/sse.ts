/**
 * One Server-Sent Events response: framing, keep-alive comments, and a bound
 * on what may queue for a slow reader. A reader that falls more than
 * `maxQueuedBytes` behind is disconnected rather than buffered without end;
 * it reconnects with Last-Event-ID and is told what the buffers no longer hold.
 *
 * @example
 *   const sse = new SseStream({ keepAliveMs: 15_000 });
 *   sse.send({ id: "1", event: "status", data: '{"status":"running"}' });
 *   return sse.response;
 */

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

export interface SseOptions {
  keepAliveMs?: number;
  maxQueuedBytes?: number;
  headers?: Record<string, string>;
  status?: number;
}

const encoder = new TextEncoder();
const HIGH_WATER_MARK = 64 * 1024;

export function formatSse(message: SseMessage): string {
  let out = "";
  if (message.id !== undefined) out += `id: ${message.id}\n`;
  if (message.event !== undefined) out += `event: ${message.event}\n`;
  if (message.retry !== undefined) out += `retry: ${message.retry}\n`;
  // A data field may not hold a newline: each line of the payload is its own data line.
  for (const line of message.data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

export function acceptsEventStream(request: Request): boolean {
  return (request.headers.get("accept") ?? "").toLowerCase().includes("text/event-stream");
}

export class SseStream {
  readonly response: Response;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private readonly closeListeners = new Set<() => void>();
  closed = false;

  constructor(private readonly options: SseOptions = {}) {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.controller = controller;
        },
        cancel: () => this.finish(),
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    this.response = new Response(stream, {
      status: options.status ?? 200,
      headers: {
        "content-type": "text/event-stream",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        // Reverse proxies (nginx) would otherwise hold events back in their buffers.
        "x-accel-buffering": "no",
        ...options.headers,
      },
    });
    // A first comment flushes the headers at once: Bun holds them back until the body's first bytes.
    this.write(": stream open\n\n");
    if (options.keepAliveMs && options.keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.write(": keep-alive\n\n"), options.keepAliveMs);
    }
  }

  /** Ends the stream when the HTTP request is aborted (the client went away). */
  bindTo(signal: AbortSignal): this {
    if (signal.aborted) this.finish();
    else signal.addEventListener("abort", () => this.close(), { once: true });
    return this;
  }

  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.add(listener);
  }

  /** Queues one event; false when the stream is closed or the reader fell too far behind (then it is closed). */
  send(message: SseMessage): boolean {
    return this.write(formatSse(message));
  }

  close(): void {
    if (this.closed) return;
    try {
      this.controller.close();
    } catch {
      // Already cancelled by the reader.
    }
    this.finish();
  }

  private write(text: string): boolean {
    if (this.closed) return false;
    const bytes = encoder.encode(text);
    const limit = this.options.maxQueuedBytes ?? 4 * 1024 * 1024;
    // Bytes the reader has not taken yet (the queue counts bytes: see the strategy above).
    const backlog = HIGH_WATER_MARK - (this.controller.desiredSize ?? HIGH_WATER_MARK);
    if (backlog > 0 && backlog + bytes.length > limit) {
      this.close();
      return false;
    }
    try {
      this.controller.enqueue(bytes);
      return true;
    } catch {
      this.finish();
      return false;
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }
}
