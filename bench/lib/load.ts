/**
 * A closed-loop, keep-alive HTTP/1.1 load generator that checks every answer.
 *
 * `concurrency` workers each own ONE TCP connection (Bun.connect, kept alive
 * for the whole run) and send one request at a time on it; `count` requests
 * are shared out between them after `warmup` unmeasured ones. A raw socket
 * client rather than fetch(): on a 2-core machine the generator shares the
 * CPU with what it measures, and fetch's own cost would flatten the ratios.
 *
 * Every request carries its own id/token (from `makeRequest(i)`) and its
 * answer is checked against it with `check`. Three kinds of failure are
 * counted and never enter the latencies:
 *   - http:    a status outside 2xx,
 *   - crossed: a 2xx answer whose body `check` rejects (someone else's answer, or a wrong one),
 *   - missing: no answer within `timeoutMs`, a closed connection, or a body that is not JSON.
 *
 * Stable API (bench/peers imports it):
 *
 *   const run = await runLoad({
 *     url: "http://127.0.0.1:20100/mcp/request",      // or (i) => url, per request
 *     makeRequest: (i) => ({ body: JSON.stringify({...token i...}), check: (json) => json.data?.x === `t${i}` }),
 *     concurrency: 64, count: 10_000, warmup: 500,
 *   });
 *   run.rps; run.p50Ms; run.p99Ms; run.errors.total; run.errorSamples;
 */

export interface LoadRequest {
  /** The request body (sent as application/json). */
  body: string;
  /** True when `json` (the parsed answer body) is the answer to THIS request. */
  check(json: any): boolean;
}

export interface LoadOptions {
  url: string | ((i: number) => string);
  makeRequest(i: number): LoadRequest;
  concurrency: number;
  /** Measured requests. */
  count: number;
  /** Unmeasured requests sent first (same checks; failures counted separately). */
  warmup?: number;
  method?: string;
  headers?: Record<string, string>;
  /** A request with no full answer after this long is counted missing. Default 30 s. */
  timeoutMs?: number;
}

export interface LoadErrors {
  http: number;
  crossed: number;
  missing: number;
  total: number;
}

export interface LoadResult {
  concurrency: number;
  count: number;
  ok: number;
  elapsedMs: number;
  /** Successful answers per second over the measured phase. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  /** Response body bytes received in the measured phase. */
  bytes: number;
  errors: LoadErrors;
  warmupErrors: number;
  /** The first few failures, verbatim, so a count is never shown without its cause. */
  errorSamples: string[];
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

interface Answer {
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

/** One keep-alive HTTP/1.1 connection that carries one request at a time. */
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

/** Runs the load and returns its figures. Never throws for a failed request: it is counted. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { concurrency, count, warmup = 0, method = "POST", headers = {}, timeoutMs = 30_000 } = options;
  const urlOf = typeof options.url === "function" ? options.url : () => options.url as string;
  const first = new URL(urlOf(0));
  const host = first.hostname;
  const port = Number(first.port);
  const connections = await Promise.all(Array.from({ length: concurrency }, () => HttpConnection.open(host, port)));
  const errors: LoadErrors = { http: 0, crossed: 0, missing: 0, total: 0 };
  const samples: string[] = [];
  const latencies = new Float64Array(count);
  let measured = 0;
  let bytes = 0;
  let warmupErrors = 0;
  const decoder = new TextDecoder();

  const one = async (conn: HttpConnection, i: number, measure: boolean): Promise<HttpConnection> => {
    const req = options.makeRequest(i);
    const path = (() => {
      const u = new URL(urlOf(i));
      return u.pathname + u.search;
    })();
    const started = performance.now();
    let kind: keyof LoadErrors | undefined;
    let why = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const answer = await Promise.race([
        conn.send(method, path, req.body, headers),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const elapsed = performance.now() - started;
      if (answer.status < 200 || answer.status > 299) {
        kind = "http";
        why = `HTTP ${answer.status}: ${decoder.decode(answer.body.subarray(0, 300))}`;
      } else {
        let json: unknown;
        try {
          json = JSON.parse(decoder.decode(answer.body));
        } catch {
          kind = "missing";
          why = `unreadable body: ${decoder.decode(answer.body.subarray(0, 200))}`;
        }
        if (!kind && !req.check(json)) {
          kind = "crossed";
          why = `answer does not match request ${i}: ${decoder.decode(answer.body.subarray(0, 300))}`;
        }
      }
      if (!kind && measure) {
        latencies[measured++] = elapsed;
        bytes += answer.body.length;
      }
    } catch (error) {
      kind = "missing";
      why = (error as Error).message;
      // A connection that timed out or broke is replaced so the run continues.
      conn.close();
      conn = await HttpConnection.open(host, port);
    } finally {
      clearTimeout(timer);
    }
    if (kind) {
      if (measure) {
        errors[kind] += 1;
        errors.total += 1;
      } else warmupErrors += 1;
      if (samples.length < 5) samples.push(`${kind}: ${why}`);
    }
    return conn;
  };

  const phase = async (total: number, offset: number, measure: boolean) => {
    let next = 0;
    await Promise.all(
      connections.map(async (_, w) => {
        let conn = connections[w]!;
        while (next < total) {
          const i = offset + next++;
          conn = await one(conn, i, measure);
        }
        connections[w] = conn;
      }),
    );
  };

  await phase(warmup, 0, false);
  const started = performance.now();
  await phase(count, warmup, true);
  const elapsedMs = performance.now() - started;
  for (const c of connections) c.close();

  const sorted = latencies.subarray(0, measured).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    concurrency,
    count,
    ok: measured,
    elapsedMs,
    rps: (measured / elapsedMs) * 1000,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    meanMs: measured ? sum / measured : Number.NaN,
    maxMs: measured ? sorted[measured - 1]! : Number.NaN,
    bytes,
    errors,
    warmupErrors,
    errorSamples: samples,
  };
}
