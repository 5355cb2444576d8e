/**
 * A bounded log of a child's stderr, split into lines. The station always
 * drains stderr (a full pipe would block a chatty server), keeps the newest
 * lines up to a byte budget, and counts what it dropped.
 */

export interface StderrLine {
  seq: number;
  at: string;
  text: string;
}

const MAX_LINE_CHARS = 8192;

export class StderrLog {
  private lines: StderrLine[] = [];
  private head = 0;
  private bytes = 0;
  private partial = "";
  private nextSeq = 1;
  private readonly decoder = new TextDecoder();
  /** Lines dropped to stay within the budget. */
  dropped = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine?: (line: StderrLine) => void,
  ) {}

  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    // An endless line without a newline is cut into pieces rather than held whole.
    if (this.partial.length > MAX_LINE_CHARS) {
      parts.push(this.partial);
      this.partial = "";
    }
    for (const part of parts) this.add(part.endsWith("\r") ? part.slice(0, -1) : part);
  }

  /** Flushes an unterminated last line (at exit). */
  end(): void {
    if (this.partial) this.add(this.partial);
    this.partial = "";
  }

  /** The newest lines, oldest first; `after` returns only lines with a higher seq. */
  tail(limit = 100, after = 0): StderrLine[] {
    const live = this.lines.slice(this.head).filter((line) => line.seq > after);
    return live.slice(Math.max(0, live.length - limit));
  }

  /** The last lines as plain text, for error messages. */
  lastText(limit = 20): string {
    return this.tail(limit)
      .map((line) => line.text)
      .join("\n");
  }

  private add(raw: string): void {
    const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}… (${raw.length} chars)` : raw;
    const line = { seq: this.nextSeq++, at: new Date().toISOString(), text };
    this.lines.push(line);
    this.bytes += text.length + 48;
    while (this.bytes > this.maxBytes && this.head < this.lines.length - 1) {
      this.bytes -= this.lines[this.head].text.length + 48;
      this.head++;
      this.dropped++;
    }
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    this.onLine?.(line);
  }
}
