/**
 * The session's WebSocket (/sessions/{id}/ws), for the playground: JSON-RPC
 * both ways, progress as it arrives, and the server's own requests
 * (elicitation, sampling) answered by the person in the page.
 *
 * A browser cannot send a credential header on a WebSocket: the console asks
 * POST /live/tickets for a single-use 30-second ticket and offers it as a
 * subprotocol, so no credential ever appears in a URL.
 */
import { api, stationUrl } from "./api.ts";

export interface RpcError {
  code: number;
  message: string;
  data?: unknown;
}
export interface RpcMessage {
  jsonrpc: "2.0";
  id?: number | string | null;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: RpcError;
}

export interface Frame {
  direction: "sent" | "received";
  at: Date;
  message: RpcMessage;
}

export interface LiveHandlers {
  /** A request from the server (elicitation/create, sampling/createMessage, …): its result, or a JSON-RPC error to send. */
  onServerRequest: (message: RpcMessage) => Promise<{ result: unknown } | { error: RpcError }>;
  onFrame: (frame: Frame) => void;
  /** A notification from the server other than progress (list changes, log messages). */
  onNotification?: (message: RpcMessage) => void;
  onClose: (reason: string) => void;
}

interface Pending {
  resolve: (message: RpcMessage) => void;
  onProgress?: (params: Record<string, unknown>) => void;
}

interface Ticket {
  ticket: string;
  subprotocol: string;
  expires_in_s: number;
}

export async function openLive(sessionId: string, handlers: LiveHandlers): Promise<LiveClient> {
  // A ticket lives in the memory of the station that gave it: the header lets a balancer that hashes
  // session ids (deploy/compose/haproxy.cfg) send this request where the socket's path will go.
  const ticket = await api<Ticket>("POST", "live/tickets", { session_id: sessionId }, undefined, { "mcp-station-session": sessionId });
  const url = stationUrl(`sessions/${encodeURIComponent(sessionId)}/ws`);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(url, ["mcp-station", ticket.subprotocol]);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener("open", () => resolve(), { once: true });
    socket.addEventListener("close", (event) => reject(new Error(`the WebSocket was refused (${event.code})`)), { once: true });
  });
  const client = new LiveClient(socket, handlers);
  await client.request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: { sampling: {}, elicitation: {} },
    clientInfo: { name: "mcp-station-console", version: "1" },
  });
  return client;
}

export class LiveClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly socket: WebSocket,
    private readonly handlers: LiveHandlers,
  ) {
    socket.addEventListener("message", (event) => this.receive(String(event.data)));
    socket.addEventListener("close", (event) => {
      for (const pending of this.pending.values()) {
        pending.resolve({ jsonrpc: "2.0", error: { code: -32000, message: `connection closed: ${event.reason || event.code}` } });
      }
      this.pending.clear();
      handlers.onClose(event.reason || `closed (${event.code})`);
    });
  }

  /** Sends a request; the answer (result or error) resolves it. Progress notifications for it go to `onProgress`. */
  request(method: string, params: Record<string, unknown> = {}, onProgress?: Pending["onProgress"]): Promise<RpcMessage> {
    const id = this.nextId++;
    const withToken = onProgress ? { ...params, _meta: { progressToken: `console-${id}` } } : params;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve, onProgress });
      this.send({ jsonrpc: "2.0", id, method, params: withToken });
    });
  }

  /** Withdraws a request: the server is told, and no answer will come. */
  cancel(id: number): void {
    this.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: id } });
    this.pending.get(id)?.resolve({ jsonrpc: "2.0", id, error: { code: -32800, message: "cancelled in the console" } });
    this.pending.delete(id);
  }

  get lastId(): number {
    return this.nextId - 1;
  }

  close(): void {
    this.socket.close(1000, "closed by the console");
  }

  private send(message: RpcMessage): void {
    this.socket.send(JSON.stringify(message));
    this.handlers.onFrame({ direction: "sent", at: new Date(), message });
  }

  private receive(text: string): void {
    let message: RpcMessage;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    this.handlers.onFrame({ direction: "received", at: new Date(), message });
    if (message.method && message.id !== undefined && message.id !== null) {
      const id = message.id;
      void this.handlers
        .onServerRequest(message)
        .then((answer) => this.send({ jsonrpc: "2.0", id, ...answer }))
        .catch((error) => this.send({ jsonrpc: "2.0", id, error: { code: -32603, message: String(error) } }));
      return;
    }
    if (message.method === "notifications/progress") {
      const token = String(message.params?.progressToken ?? "");
      const pending = this.pending.get(Number(token.replace("console-", "")));
      pending?.onProgress?.(message.params ?? {});
      return;
    }
    if (message.method) {
      this.handlers.onNotification?.(message);
      return;
    }
    if (typeof message.id === "number") {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      pending?.resolve(message);
    }
  }
}
