/**
 * A remote server on the deprecated HTTP+SSE transport (protocol revision
 * 2024-11-05), which many hosted servers still speak: a GET opens an event
 * stream whose first `endpoint` event names the URL to POST messages to;
 * every message from the server, answers included, arrives on that stream.
 * The stream is the connection: when it ends, the link ends, and the
 * session's restart policy opens a new one. The endpoint must be on the
 * stream's own origin, or the registry's credential would go elsewhere.
 *
 * @example
 *   const link = new SseLink({ url: "https://mcp.example.com/sse", headers: {}, stderrBytes: 65536, transport: "sse" }, callbacks);
 */
import { RemoteRefused } from "../errors.ts";
import type { ExitInfo, StopTimings } from "../process/server-link.ts";
import { OAuthFailure } from "./oauth-client.ts";
import { type Outgoing, type RemoteCallbacks, RemoteLinkBase, type RemoteSpec, describeRefusal } from "./link-base.ts";
import { sseEvents } from "./sse-events.ts";

export class SseLink extends RemoteLinkBase {
  /** Where messages are POSTed, once the stream has named it. */
  private readonly endpoint: Promise<URL>;

  constructor(spec: RemoteSpec, callbacks: RemoteCallbacks) {
    super(spec, callbacks);
    this.endpoint = this.open();
    // A link that ends before the endpoint is known fails its writes through their own catch.
    this.endpoint.catch(() => {});
  }

  stop(_timings: StopTimings): Promise<ExitInfo> {
    this.end({ code: 0, signal: null, reason: `disconnected from ${this.spec.url}` });
    return Promise.resolve(this.exit!);
  }

  protected send(message: Outgoing, line: string): void {
    this.post(message, line).catch((error: unknown) => {
      this.note(`${message.method ?? "a response"} could not be sent: ${(error as Error).message}`);
      if (message.id !== undefined && message.id !== null && message.method !== undefined)
        this.callbacks.failRequest(message.id, error as Error);
    });
  }

  private open(): Promise<URL> {
    return new Promise<URL>((resolve, reject) => {
      void (async () => {
        const headers = new Headers(this.spec.headers);
        headers.set("accept", "text/event-stream");
        let response: Response;
        try {
          response = await this.authorizedFetch(this.spec.url, { headers, signal: this.ending.signal });
        } catch (error) {
          // The stream is the connection: without a token there is none, and the restart policy tries again.
          if (error instanceof OAuthFailure)
            this.end({ code: 1, signal: null, reason: `the SSE stream could not be opened: ${error.message}` });
          else this.unreachable(error);
          reject(error);
          return;
        }
        if (!response.ok || !response.body) {
          const why = describeRefusal(response, this.spec.url, this.spec.oauth !== undefined);
          await response.body?.cancel();
          this.end({ code: 1, signal: null, reason: `the SSE stream was refused: ${why}` });
          reject(new Error(why));
          return;
        }
        try {
          for await (const event of sseEvents(response.body, this.ending.signal)) {
            if (event.event === "endpoint") {
              const endpoint = new URL(event.data.trim(), this.spec.url);
              if (endpoint.origin !== new URL(this.spec.url).origin) {
                this.end({ code: 1, signal: null, reason: `the server named an endpoint on another origin (${endpoint.origin}); refused` });
                reject(new Error("endpoint on another origin"));
                return;
              }
              resolve(endpoint);
            } else if (event.event === "message" && event.data.trim() !== "") {
              for (const message of this.parse(event.data)) this.emit(message);
            }
          }
        } catch {
          // The stream broke: ended below.
        }
        if (this.running) this.end({ code: 1, signal: null, reason: `the remote server at ${this.spec.url} closed its SSE stream` });
        reject(new Error("the SSE stream ended"));
      })();
    });
  }

  private async post(message: Outgoing, body: string): Promise<void> {
    let endpoint: URL;
    try {
      endpoint = await this.endpoint;
    } catch {
      // The link ended before the stream named its endpoint: the session hears of it as an exit.
      return;
    }
    const headers = new Headers(this.spec.headers);
    headers.set("content-type", "application/json");
    try {
      const response = await this.authorizedFetch(endpoint, { method: "POST", headers, body, signal: this.ending.signal });
      const text = await response.text().catch(() => "");
      if (response.ok) return;
      const why = describeRefusal(response, endpoint.href, this.spec.oauth !== undefined);
      this.note(`${message.method ?? "a response"}: ${why}${text ? `: ${text.slice(0, 500)}` : ""}`);
      if (message.id !== undefined && message.id !== null && message.method !== undefined) {
        this.callbacks.failRequest(
          message.id,
          new RemoteRefused(`${message.method} was refused by the remote server: ${why}`, {
            status: response.status,
            url: this.spec.url,
            body: text.slice(0, 500),
          }),
        );
      }
    } catch (error) {
      if (!this.ending.signal.aborted && !this.noToken(error, message)) this.unreachable(error);
    }
  }
}
