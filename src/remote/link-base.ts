/**
 * What every remote link shares (http-link.ts for Streamable HTTP,
 * sse-link.ts for the deprecated HTTP+SSE transport): the ServerLink face a
 * session sees, one end reported once, a log of what went wrong where a
 * process's stderr would be, and the server's messages handed on one per
 * line, as the JSON-RPC peer frames them.
 */
import { ServerExited } from "../errors.ts";
import type { ExitInfo, ServerLink, StopTimings } from "../process/server-link.ts";
import { StderrLog, type StderrLine } from "../process/stderr-log.ts";
import { OAuthFailure, type TokenSource } from "./oauth-client.ts";

export interface RemoteSpec {
  url: string;
  /** Sent on every request (an Authorization header, an API key); resolved from secrets before this point. */
  headers: Record<string, string>;
  /** Bytes of the link's own log kept. */
  stderrBytes: number;
  /** "streamable-http" (the default) or "sse", the deprecated HTTP+SSE transport of 2024-11-05. */
  transport?: "streamable-http" | "sse";
  /** The entry's OAuth client: each request carries its token, and a 401 gets a new one and is sent once more. */
  oauth?: TokenSource;
}

export interface RemoteCallbacks {
  /** The server's messages, one JSON-RPC message per line, as a child's stdout would carry them. */
  stdout(chunk: Uint8Array): void;
  stderrLine?(line: StderrLine): void;
  /** The request with this id was refused at the HTTP level: it will get no JSON-RPC answer. */
  failRequest(id: number | string, error: Error): void;
}

/** A message the peer wrote, as much of it as the link looks at. */
export interface Outgoing {
  id?: number | string;
  method?: string;
  params?: Record<string, unknown>;
}

const encoder = new TextEncoder();

export abstract class RemoteLinkBase implements ServerLink {
  readonly pid = null;
  readonly stderr: StderrLog;
  readonly exited: Promise<ExitInfo>;
  exit: ExitInfo | undefined;
  /** Aborted when the link ends: every fetch still open is dropped. */
  protected readonly ending = new AbortController();
  private settle!: (exit: ExitInfo) => void;

  constructor(
    protected readonly spec: RemoteSpec,
    protected readonly callbacks: RemoteCallbacks,
  ) {
    this.stderr = new StderrLog(spec.stderrBytes, callbacks.stderrLine);
    this.exited = new Promise((resolve) => {
      this.settle = resolve;
    });
    const unsendable = Object.keys(spec.headers).find((name) => !validHeader(name, spec.headers[name]!));
    // A line break in a value (a secret pasted with its newline) would fail every fetch: the link ends at once instead, saying which.
    if (unsendable !== undefined) {
      this.end({
        code: 1,
        signal: null,
        reason: `the header ${unsendable} cannot be sent: its value has a line break or a character outside Latin-1`,
      });
    }
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  write(data: string): void {
    if (!this.running) throw new ServerExited(`the connection to ${this.spec.url} is closed`);
    for (const line of data.split("\n")) {
      // The peer wrote it: it is JSON.
      if (line !== "") this.send(JSON.parse(line) as Outgoing, line);
    }
  }

  /** Sends one message the peer wrote (`line` is its JSON). */
  protected abstract send(message: Outgoing, line: string): void;

  abstract stop(timings: StopTimings): Promise<ExitInfo>;

  kill(): boolean {
    if (!this.running) return false;
    this.end({ code: 1, signal: null, reason: `the station dropped the connection to ${this.spec.url}` });
    return true;
  }

  /** The link is over: every open exchange is dropped, and the session hears it as an exit. */
  protected end(exit: ExitInfo): void {
    if (!this.running) return;
    if (exit.code !== 0) this.note(exit.reason ?? "connection ended");
    this.stderr.end();
    this.exit = exit;
    this.ending.abort();
    this.settle(exit);
  }

  /**
   * A fetch of the server's with the link's credential: the headers given, and with OAuth the current token. A 401
   * is answered by a new token (found from its challenge) and the request is sent once more; a second 401 is the
   * answer. An OAuthFailure (no token to be had) is thrown for the caller to fail its request with.
   */
  protected async authorizedFetch(url: string | URL, init: RequestInit & { headers: Headers; signal: AbortSignal }): Promise<Response> {
    const source = this.spec.oauth;
    const send = { ...init, redirect: "manual" as const };
    if (!source) return fetch(url, send);
    let token = await source.token(init.signal);
    if (token) send.headers.set("authorization", `Bearer ${token}`);
    const first = await fetch(url, send);
    if (first.status !== 401) return first;
    const challenge = first.headers.get("www-authenticate");
    await first.body?.cancel();
    this.note(`HTTP 401 from ${this.spec.url}${token ? "" : " (no token yet)"}: getting a new token`);
    token = await source.renew(token, challenge, init.signal);
    send.headers.set("authorization", `Bearer ${token}`);
    return fetch(url, send);
  }

  /**
   * Whether `error` is the station's OAuth client failing (the authorization server refused or is unreachable), not
   * the server: then the request `message` fails with it, as a refusal would, and the link stays.
   */
  protected noToken(error: unknown, message: Outgoing): boolean {
    if (!(error instanceof OAuthFailure)) return false;
    this.note(`${message.method ?? "a response"}: ${error.message}`);
    if (message.id !== undefined && message.id !== null && message.method !== undefined) this.callbacks.failRequest(message.id, error);
    return true;
  }

  /** Nothing answered at all: the server is gone (or never was), which for a process is a crash. */
  protected unreachable(error: unknown): void {
    this.end({ code: 1, signal: null, reason: `the remote server at ${this.spec.url} is unreachable: ${(error as Error).message}` });
  }

  protected note(text: string): void {
    this.stderr.push(encoder.encode(`${new Date().toISOString()} ${text}\n`));
  }

  /** The messages of one body or event (a message or a batch); a body that is not JSON is noted and skipped. */
  protected parse(text: string): unknown[] {
    try {
      const value = JSON.parse(text);
      return Array.isArray(value) ? value : [value];
    } catch {
      this.note(`the server sent a body that is not JSON: ${text.slice(0, 200)}`);
      return [];
    }
  }

  /** Hands one message to the peer, on a line of its own. */
  protected emit(message: unknown): void {
    this.callbacks.stdout(encoder.encode(`${JSON.stringify(message)}\n`));
  }
}

function validHeader(name: string, value: string): boolean {
  try {
    new Headers([[name, value]]);
    return !/[\r\n\0]/.test(value);
  } catch {
    return false;
  }
}

/** Why the server refused, for the link's log and the caller's error; `oauth`: the link sent a token it had just got. */
export function describeRefusal(response: Response, url: string, oauth = false): string {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  if (response.status === 401) {
    const challenge = response.headers.get("www-authenticate");
    const said = challenge ? `; WWW-Authenticate: ${challenge}` : "";
    if (oauth) return `${status} from ${url}: the server refused the station's OAuth token, a freshly obtained one too${said}`;
    // A challenge naming its metadata is a server that takes OAuth tokens (RFC 9728 §5.1): say how the station gets one.
    const hint =
      challenge && /resource_metadata\s*=/i.test(challenge) ? "; the server takes OAuth tokens: give the entry an `oauth` client" : "";
    return `${status} from ${url}: the credential was refused (check the registry entry's headers or its secret)${said}${hint}`;
  }
  if (response.status === 403) return `${status} from ${url}: the credential is not allowed this`;
  if (response.status >= 300 && response.status < 400) {
    return `${status} from ${url} to ${response.headers.get("location") ?? "nowhere"}: the station does not follow redirects (they could carry the credential elsewhere); put the final URL in the registry`;
  }
  return `${status} from ${url}`;
}

/** The body as a JSON-RPC error answering `id`, if it is one. */
export function jsonRpcError(text: string, id: number | string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as { jsonrpc?: unknown; id?: unknown; error?: { code?: unknown } };
    if (value?.jsonrpc === "2.0" && value.id === id && typeof value.error?.code === "number") return value as Record<string, unknown>;
  } catch {
    // Not JSON: an HTTP error page.
  }
  return undefined;
}
