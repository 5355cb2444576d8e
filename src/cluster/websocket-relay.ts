/**
 * A WebSocket for a session another node runs: a socket is opened to the
 * same path on the owner first (with the cluster secret and the admitted
 * caller), and only once it is open is the client's socket upgraded here, so
 * an owner that cannot be reached is a 503 to retry, not an accepted socket
 * that closes at once. Then messages are relayed both ways, in order (the
 * owner's that come before the client's socket is open wait), and when
 * either side closes, the other is closed with the same code (1011 when the
 * owner failed).
 *
 * The handlers are what Elysia's WebSocket dispatch calls for a socket
 * upgraded with them as its data (elysia/dist/ws: ws.data.open, ...).
 */
import type { ServerWebSocket } from "bun";

type Socket = ServerWebSocket<unknown>;

/** Codes an endpoint may send in a close frame; the others (1005, 1006, 1015) only describe what happened. */
const sendable = (code: number) => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

/** The owner answered the upgrade with an HTTP status instead of a socket: it refused it (a spent ticket: 401). */
export class UpstreamRefused extends Error {
  constructor(readonly status: number) {
    super(`the owner refused the WebSocket with HTTP ${status}`);
  }
}

/**
 * The status an owner refused an upgrade with. Bun's WebSocket client names it only in its error event's
 * message ("Expected 101 status code: 401"); test/cluster/tickets.test.ts sees it if that ever changes.
 */
function refusedStatus(event: Event): number | undefined {
  const match = /Expected 101 status code: (\d{3})/.exec((event as ErrorEvent).message ?? "");
  return match ? Number(match[1]) : undefined;
}

/** Opens the owner's socket; rejects when it cannot be opened within `timeoutMs`, with UpstreamRefused when the owner said no. */
export function openUpstream(target: string, headers: Record<string, string>, protocols: string[], timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const upstream = new WebSocket(target, { headers, protocols } as unknown as string[]);
    upstream.binaryType = "arraybuffer";
    const timer = setTimeout(() => {
      upstream.close();
      reject(new Error("the owner's WebSocket did not open in time"));
    }, timeoutMs);
    upstream.onopen = () => {
      clearTimeout(timer);
      resolve(upstream);
    };
    upstream.onerror = (event) => {
      clearTimeout(timer);
      const status = refusedStatus(event);
      reject(status === undefined ? new Error("the owner's WebSocket could not be opened") : new UpstreamRefused(status));
    };
  });
}

export function relayWebSocket(upstream: WebSocket) {
  let client: Socket | undefined;
  const early: (string | ArrayBuffer)[] = [];
  let closed = false;
  const closeClient = (code: number, reason: string) => {
    if (closed || !client) return;
    closed = true;
    client.close(sendable(code) ? code : 1011, reason);
  };
  upstream.onmessage = (event) => {
    if (client) client.send(event.data as string | ArrayBuffer);
    else early.push(event.data as string | ArrayBuffer);
  };
  upstream.onclose = (event) => closeClient(event.code, event.reason);
  upstream.onerror = () => closeClient(1011, "the node that runs the session failed");
  return {
    open(ws: Socket) {
      client = ws;
      for (const message of early) ws.send(message);
      early.length = 0;
      if (upstream.readyState !== WebSocket.OPEN) closeClient(1011, "the node that runs the session failed");
    },
    message(_: Socket, message: string | Uint8Array) {
      if (upstream.readyState === WebSocket.OPEN) upstream.send(message);
    },
    close(_: Socket, code: number, reason: string) {
      closed = true;
      upstream.close(sendable(code) ? code : 1000, reason);
    },
  };
}
