/**
 * Keep-alive HTTP/1.1 connections for the measured calls, one request at a time on each, reused
 * across calls. It wraps the raw-socket connection of bench/lib/load.ts (issue 3's generator)
 * rather than fetch(): on a 2-core machine the client shares the CPU with the gateway it measures,
 * and fetch's own cost would flatten the differences between gateways.
 *
 * A closed-loop run of N workers ends up with N connections. A call that passes its deadline has
 * its connection closed and dropped, so a late answer can never be read as the next call's.
 *
 * @example
 *   const pool = new ConnectionPool("http://127.0.0.1:8000");
 *   const { status, text } = await pool.post("/mcp", body, { "mcp-session-id": id }, signal);
 */
import { HttpConnection } from "../lib/load.ts";
import { CallFailure } from "./load.ts";

export interface PlainAnswer {
  status: number;
  text: string;
}

export class ConnectionPool {
  /** Idle connections with the time each was last used. */
  private readonly idle: { conn: HttpConnection; since: number }[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly decoder = new TextDecoder();

  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
  }

  async post(path: string, body: string, headers: Record<string, string>, signal: AbortSignal): Promise<PlainAnswer> {
    const conn = this.take() ?? (await HttpConnection.open(this.host, this.port));
    let onAbort: (() => void) | undefined;
    try {
      const answer = await Promise.race([
        conn.send("POST", path, body, headers),
        new Promise<never>((_, reject) => {
          onAbort = () => reject(new CallFailure("missing", `no answer within the deadline on ${path}`));
          if (signal.aborted) onAbort();
          else signal.addEventListener("abort", onAbort, { once: true });
        }),
      ]);
      this.idle.push({ conn, since: performance.now() });
      return { status: answer.status, text: this.decoder.decode(answer.body) };
    } catch (error) {
      conn.close();
      throw error instanceof CallFailure ? error : new CallFailure("missing", (error as Error).message);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  /**
   * The most recently used idle connection, unless it has been idle over a second: servers close
   * idle keep-alive connections after a few seconds (Node and uvicorn after 5 s), and between two
   * runs of one path the others run. A client that sent on such a connection would see "closed"
   * and retry; opening a fresh one keeps that client-side event out of the gateway's error count.
   */
  private take(): HttpConnection | undefined {
    const now = performance.now();
    while (this.idle.length) {
      const { conn, since } = this.idle.pop()!;
      if (now - since < 1000) return conn;
      conn.close();
    }
    return undefined;
  }

  close(): void {
    for (const { conn } of this.idle.splice(0)) conn.close();
  }
}
