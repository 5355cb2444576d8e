/**
 * The bench's HTTP side: keep-alive connections (http-connection.ts) reused across calls, one
 * request at a time on each. A closed-loop run of N workers ends up with N connections. A call
 * that passes its deadline has its connection closed and dropped, so a late answer can never be
 * read as the next call's.
 *
 * @example
 *   const client = new HttpClient("http://127.0.0.1:20100");
 *   const json = await client.postJson("/mcp/request", body, Deadline.in(5000));
 */
import { type Answer, HttpConnection } from "./http-connection.ts";
import { CallFailure, type Deadline } from "./load.ts";

export interface TextAnswer {
  status: number;
  text: string;
}

export const httpFailure = ({ status, text }: TextAnswer): CallFailure => new CallFailure("http", `HTTP ${status}: ${text.slice(0, 300)}`);

export class HttpClient {
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

  async post(path: string, body: string, headers: Record<string, string>, deadline: Deadline): Promise<TextAnswer> {
    const conn = this.take() ?? (await HttpConnection.open(this.host, this.port));
    try {
      const answer = await new Promise<Answer>((resolve, reject) => {
        deadline.onExpiry(() => reject(new CallFailure("missing", `no answer within the deadline on ${path}`)));
        conn.send("POST", path, body, headers).then(resolve, reject);
      });
      this.idle.push({ conn, since: performance.now() });
      return { status: answer.status, text: this.decoder.decode(answer.body) };
    } catch (error) {
      conn.close();
      throw error instanceof CallFailure ? error : new CallFailure("missing", (error as Error).message, { cause: error });
    }
  }

  /** POSTs `body` and answers the parsed JSON of a 2xx answer; any other answer is a CallFailure. */
  async postJson(path: string, body: string, deadline: Deadline, headers: Record<string, string> = {}): Promise<unknown> {
    const answer = await this.post(path, body, headers, deadline);
    if (answer.status < 200 || answer.status > 299) throw httpFailure(answer);
    try {
      return JSON.parse(answer.text);
    } catch {
      throw new CallFailure("missing", `unreadable body: ${answer.text.slice(0, 200)}`);
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
