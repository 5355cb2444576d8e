/**
 * The live clients attached to one session (WebSocket callers, MCP endpoint
 * clients) and the routing of a legacy server's requests to them. A stdio
 * server's `sampling/createMessage` says nothing about which caller's request
 * caused it, so the hub prefers the client with the newest request in flight
 * (the one most likely waiting on the tool that asked), then the client most
 * recently active; only clients that declared the capability are asked.
 *
 * Each session owns one (`session.clients`) and routes its server's requests
 * through it; the HTTP layer only attaches and detaches its clients.
 *
 * @example
 *   const detach = session.clients.attach(client);   // the server's sampling requests may now reach it
 */
import type { JsonRpcRequest } from "../jsonrpc/messages.ts";

export interface LiveClient {
  /** Whether the client declared the capability this server request needs. */
  accepts(method: string): boolean;
  /** When its newest in-flight request on the session was sent; undefined when none is in flight. */
  busySince(): number | undefined;
  lastActiveAt: number;
  /** Sends the server's request to the client; undefined when it cannot take it now. */
  ask(request: JsonRpcRequest): Promise<unknown> | undefined;
}

/** The client capability each server->client request needs. */
export const CAPABILITY_OF: Record<string, string> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

export function declares(capabilities: Record<string, unknown> | undefined, method: string): boolean {
  const name = CAPABILITY_OF[method];
  return name !== undefined && typeof capabilities?.[name] === "object" && capabilities[name] !== null;
}

export class ClientHub {
  private readonly clients = new Set<LiveClient>();

  get size(): number {
    return this.clients.size;
  }

  attach(client: LiveClient): () => void {
    this.clients.add(client);
    return () => this.clients.delete(client);
  }

  /** Asks the attached clients that take `request`, likeliest first; undefined when none takes it now. */
  route(request: JsonRpcRequest): Promise<unknown> | undefined {
    const candidates = [...this.clients].filter((client) => client.accepts(request.method));
    candidates.sort((a, b) => {
      const busyA = a.busySince() ?? -1;
      const busyB = b.busySince() ?? -1;
      if (busyA !== busyB) return busyB - busyA;
      return b.lastActiveAt - a.lastActiveAt;
    });
    for (const client of candidates) {
      const answer = client.ask(request);
      if (answer) return answer;
    }
    return undefined;
  }
}
