/**
 * One keep-alive HTTP/1.1 connection that carries one request at a time, on a raw socket
 * (Bun.connect) rather than fetch(): on a 2-core machine the bench's client shares the CPU with
 * what it measures, and fetch's own cost would flatten the ratios between gateways.
 *
 * @example
 *   const conn = await HttpConnection.open("127.0.0.1", 20100);
 *   const { status, body } = await conn.send("POST", "/mcp/request", json, {});
 */

export interface Answer {
  status: number;
  body: Uint8Array;
}

const CRLF2 = new Uint8Array([13, 10, 13, 10]);

function indexOfSeq(hay: Uint8Array, needle: Uint8Array, from: number): number {
  let i = hay.indexOf(needle[0]!, from);
  while (i !== -1 && i + needle.length <= hay.length) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
    i = hay.indexOf(needle[0]!, i + 1);
  }
  return -1;
}

/** A closed or broken connection rejects the request in flight; the owner opens a new one. */
export class HttpConnection {
  private socket: any;
  private parts: Uint8Array[] = [];
  private size = 0;
  private waiting: { resolve(a: Answer): void; reject(e: Error): void } | undefined;
  private head: { status: number; length: number; chunked: boolean; bodyStart: number } | undefined;
  private closed = false;
  private readonly decoder = new TextDecoder();

  private constructor(
    readonly host: string,
    readonly port: number,
  ) {}

  static async open(host: string, port: number): Promise<HttpConnection> {
    const conn = new HttpConnection(host, port);
    conn.socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data: (_s, chunk) => conn.receive(chunk),
        drain: () => conn.drain(),
        close: () => conn.fail(new Error("connection closed")),
        error: (_s, error) => conn.fail(error),
      },
    });
    conn.socket.setNoDelay?.(true);
    return conn;
  }

  send(method: string, path: string, body: string, headers: Record<string, string>): Promise<Answer> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    const bytes = Buffer.from(body);
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    head += "\r\n";
    const promise = new Promise<Answer>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    this.writeAll(Buffer.concat([Buffer.from(head), bytes]));
    return promise;
  }

  close(): void {
    this.closed = true;
    this.socket?.end();
  }

  /** What a short write left; the socket's drain event sends it. */
  private unsent: Uint8Array | undefined;
  private writeAll(data: Uint8Array): void {
    const written = this.socket.write(data);
    this.unsent = written < data.length ? data.subarray(Math.max(0, written)) : undefined;
  }

  private drain(): void {
    if (this.unsent) this.writeAll(this.unsent);
  }

  private fail(error: Error): void {
    this.closed = true;
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(error);
  }

  private receive(chunk: Uint8Array): void {
    this.parts.push(new Uint8Array(chunk));
    this.size += chunk.length;
    this.tryParse();
  }

  private joined(): Uint8Array {
    if (this.parts.length === 1) return this.parts[0]!;
    const all = new Uint8Array(this.size);
    let off = 0;
    for (const p of this.parts) {
      all.set(p, off);
      off += p.length;
    }
    this.parts = [all];
    return all;
  }

  private tryParse(): void {
    if (!this.head) {
      const all = this.joined();
      const end = indexOfSeq(all, CRLF2, 0);
      if (end === -1) return;
      const text = this.decoder.decode(all.subarray(0, end));
      const lines = text.split("\r\n");
      const status = Number(lines[0]!.split(" ")[1]);
      let length = -1;
      let chunked = false;
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === "content-length") length = Number(value);
        else if (name === "transfer-encoding" && value.toLowerCase().includes("chunked")) chunked = true;
      }
      this.head = { status, length: chunked ? -1 : Math.max(0, length), chunked, bodyStart: end + 4 };
    }
    const head = this.head;
    if (!head.chunked) {
      if (this.size - head.bodyStart < head.length) return;
      const all = this.joined();
      const body = all.slice(head.bodyStart, head.bodyStart + head.length);
      const rest = all.subarray(head.bodyStart + head.length);
      this.finish(head.status, body, rest);
      return;
    }
    // Chunked: walk the chunks present; wait for the terminating zero chunk.
    const all = this.joined();
    let pos = head.bodyStart;
    const pieces: Uint8Array[] = [];
    for (;;) {
      const lineEnd = indexOfSeq(all, new Uint8Array([13, 10]), pos);
      if (lineEnd === -1) return;
      const len = Number.parseInt(this.decoder.decode(all.subarray(pos, lineEnd)), 16);
      if (all.length < lineEnd + 2 + len + 2) return;
      if (len === 0) {
        const total = pieces.reduce((n, p) => n + p.length, 0);
        const body = new Uint8Array(total);
        let off = 0;
        for (const p of pieces) {
          body.set(p, off);
          off += p.length;
        }
        this.finish(head.status, body, all.subarray(lineEnd + 4));
        return;
      }
      pieces.push(all.subarray(lineEnd + 2, lineEnd + 2 + len));
      pos = lineEnd + 2 + len + 2;
    }
  }

  private finish(status: number, body: Uint8Array, rest: Uint8Array): void {
    this.head = undefined;
    this.parts = rest.length ? [rest.slice()] : [];
    this.size = rest.length;
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve({ status, body });
  }
}
