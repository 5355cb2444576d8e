/**
 * A WebSocket for a session another node runs: the client's socket is
 * upgraded here and relayed, message by message, to the same path on the
 * owner, opened with the cluster secret and the admitted caller. Messages the
 * client sends before the owner's socket is open wait in order. When either
 * side closes, the other is closed with the same code (or 1011 when the owner
 * could not be reached or failed).
 *
 * The returned handlers are what Elysia's WebSocket dispatch calls for a
 * socket upgraded with them as its data (elysia/dist/ws: ws.data.open, ...).
 */
import type { ServerWebSocket } from "bun";

type Socket = ServerWebSocket<unknown>;

/** Codes an endpoint may send in a close frame; the others (1005, 1006, 1015) only describe what happened. */
const sendable = (code: number) => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

export function relayWebSocket(target: string, headers: Record<string, string>, protocols: string[]) {
  let upstream: WebSocket | undefined;
  const waiting: (string | ArrayBufferLike | Uint8Array)[] = [];
  let closed = false;
  const closeClient = (ws: Socket, code: number, reason: string) => {
    if (closed) return;
    closed = true;
    ws.close(sendable(code) ? code : 1011, reason);
  };
  return {
    open(ws: Socket) {
      upstream = new WebSocket(target, { headers, protocols } as unknown as string[]);
      upstream.binaryType = "arraybuffer";
      upstream.onopen = () => {
        for (const message of waiting) upstream!.send(message);
        waiting.length = 0;
      };
      upstream.onmessage = (event) => {
        ws.send(event.data as string | ArrayBuffer);
      };
      upstream.onclose = (event) => closeClient(ws, event.code, event.reason);
      upstream.onerror = () => closeClient(ws, 1011, "the node that runs the session could not be reached");
    },
    message(_: Socket, message: string | Uint8Array) {
      if (upstream?.readyState === WebSocket.OPEN) upstream.send(message);
      else waiting.push(message);
    },
    close(_: Socket, code: number, reason: string) {
      closed = true;
      upstream?.close(sendable(code) ? code : 1000, reason);
    },
  };
}
