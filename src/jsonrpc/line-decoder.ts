/**
 * Newline framing for the MCP stdio transport: one JSON-RPC message per line.
 *
 * Chunks arrive with boundaries anywhere, including inside a multi-byte UTF-8
 * character. Because 0x0A never occurs inside a multi-byte UTF-8 sequence, the
 * decoder works on bytes: it scans each new chunk once for newlines, keeps the
 * unfinished tail as a list of chunks (no re-copy per chunk), and decodes a line
 * only when it is complete. Cost is linear in the size of the message.
 *
 * A line longer than `maxLineBytes` is not buffered: the decoder drops its bytes
 * as they come and reports it once complete, with its first and last bytes so the
 * caller can tell which request it answered.
 */

export interface OversizedLine {
  /** Total bytes of the line, newline excluded. */
  bytes: number;
  /** The first bytes of the line (up to 256), decoded. */
  head: string;
  /** The last bytes of the line (up to 256), decoded. */
  tail: string;
}

export interface LineSink {
  line(text: string): void;
  /**
   * Offered each complete line of at least `rawMinBytes` bytes before it is
   * decoded; returns true when it took the bytes as they are (raw-json.ts), and
   * the line is then not decoded. The bytes are the sink's to keep.
   */
  raw?(bytes: Uint8Array): boolean;
  oversized(info: OversizedLine): void;
}

const EDGE = 256;
const NEWLINE = 0x0a;

export class LineDecoder {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private discarding = false;
  private discardedBytes = 0;
  private discardHead = "";
  private discardTail = new Uint8Array(0);
  private readonly decoder = new TextDecoder();

  constructor(
    private readonly sink: LineSink,
    private readonly maxLineBytes: number,
    private readonly rawMinBytes = Number.POSITIVE_INFINITY,
    /** The caller never touches a chunk again after push (a fresh buffer per read): keep it without a copy. */
    private readonly ownsChunks = false,
  ) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    let nl = chunk.indexOf(NEWLINE, start);
    while (nl !== -1) {
      this.finishLine(chunk.subarray(start, nl));
      start = nl + 1;
      nl = chunk.indexOf(NEWLINE, start);
    }
    if (start < chunk.length) this.append(chunk.subarray(start));
  }

  /** Bytes of an unfinished line held in memory (for tests and metrics). */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  private append(part: Uint8Array): void {
    if (this.discarding) {
      this.discardedBytes += part.length;
      this.keepTail(part);
      return;
    }
    if (this.pendingBytes + part.length > this.maxLineBytes) {
      this.startDiscarding(part);
      return;
    }
    // A reader may reuse the chunk's buffer: keep a copy unless the caller said it will not.
    this.pending.push(this.ownsChunks ? part : part.slice());
    this.pendingBytes += part.length;
  }

  private finishLine(last: Uint8Array): void {
    if (this.discarding) {
      this.discardedBytes += last.length;
      this.keepTail(last);
      const info: OversizedLine = {
        bytes: this.discardedBytes,
        head: this.discardHead,
        tail: this.decoder.decode(this.discardTail),
      };
      this.discarding = false;
      this.discardedBytes = 0;
      this.discardHead = "";
      this.discardTail = new Uint8Array(0);
      this.sink.oversized(info);
      return;
    }
    if (this.pendingBytes + last.length > this.maxLineBytes) {
      this.startDiscarding(last);
      this.finishLine(new Uint8Array(0));
      return;
    }
    let bytes: Uint8Array;
    let owned = false;
    if (this.pending.length === 0) {
      bytes = last;
    } else {
      owned = true;
      bytes = new Uint8Array(this.pendingBytes + last.length);
      let offset = 0;
      for (const part of this.pending) {
        bytes.set(part, offset);
        offset += part.length;
      }
      bytes.set(last, offset);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === 0x0d) end -= 1; // tolerate CRLF
    if (end === 0) return;
    if (end >= this.rawMinBytes && this.sink.raw) {
      // A line that came in one chunk still lives in the reader's buffer: the sink gets its own copy.
      const line = owned ? bytes.subarray(0, end) : bytes.slice(0, end);
      if (this.sink.raw(line)) return;
    }
    this.sink.line(this.decoder.decode(end === bytes.length ? bytes : bytes.subarray(0, end)));
  }

  private startDiscarding(part: Uint8Array): void {
    const headBytes = new Uint8Array(Math.min(EDGE, this.pendingBytes + part.length));
    let offset = 0;
    for (const p of [...this.pending, part]) {
      if (offset >= headBytes.length) break;
      const take = p.subarray(0, headBytes.length - offset);
      headBytes.set(take, offset);
      offset += take.length;
    }
    this.discardHead = this.decoder.decode(headBytes);
    this.discardedBytes = this.pendingBytes + part.length;
    this.discardTail = new Uint8Array(0);
    for (const p of this.pending) this.keepTail(p);
    this.keepTail(part);
    this.pending = [];
    this.pendingBytes = 0;
    this.discarding = true;
  }

  private keepTail(part: Uint8Array): void {
    if (part.length >= EDGE) {
      this.discardTail = part.slice(part.length - EDGE);
      return;
    }
    const joined = new Uint8Array(Math.min(EDGE, this.discardTail.length + part.length));
    const fromOld = joined.length - part.length;
    joined.set(this.discardTail.subarray(this.discardTail.length - fromOld), 0);
    joined.set(part, fromOld);
    this.discardTail = joined;
  }
}

/**
 * Finds the id of the JSON-RPC response an oversized line carried, from its
 * first or last bytes. Only the outermost object's "id" can sit at the very
 * start (after "jsonrpc") or as the very last member, so these two places are
 * unambiguous; anywhere else we do not guess.
 */
export function idOfOversizedLine(info: OversizedLine): number | string | undefined {
  const id = String.raw`(-?\d+|"(?:[^"\\]|\\.)*")`;
  const head = new RegExp(String.raw`^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*` + id).exec(info.head);
  const tail = new RegExp(String.raw`"id"\s*:\s*` + id + String.raw`\s*\}\s*$`).exec(info.tail);
  const raw = head?.[1] ?? tail?.[1];
  if (raw === undefined) return undefined;
  return JSON.parse(raw) as number | string;
}
