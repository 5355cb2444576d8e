/**
 * Answers to the requests a legacy server sends to its client. None may hang:
 * `ping` is answered by the station itself, `roots/list` by a live client that
 * declared roots or else from the session's roots; sampling and
 * elicitation go to a live client channel when one is attached and declared
 * the capability, and otherwise get an immediate JSON-RPC error.
 */
import { RemoteError } from "../errors.ts";
import { ErrorCode, type JsonRpcRequest } from "../jsonrpc/messages.ts";

export interface Root {
  uri: string;
  name?: string;
}

/** A live client (WebSocket, MCP endpoint) that can take the server's requests. */
export type ClientRequestForwarder = (request: JsonRpcRequest) => Promise<unknown> | undefined;

export interface ClientRequestContext {
  roots(): Root[];
  /** Returns undefined when no attached client takes this method. */
  forward?: ClientRequestForwarder;
}

/** The client capabilities the station declares in initialize: only what it honours. */
export function declaredCapabilities(options: { sampling?: boolean; elicitation?: boolean } = {}): Record<string, unknown> {
  const capabilities: Record<string, unknown> = { roots: { listChanged: true } };
  if (options.sampling) capabilities.sampling = {};
  if (options.elicitation) capabilities.elicitation = {};
  return capabilities;
}

export async function answerClientRequest(request: JsonRpcRequest, context: ClientRequestContext): Promise<unknown> {
  switch (request.method) {
    case "ping":
      return {};
    case "roots/list": {
      // A live client that declared roots answers for itself; otherwise the session's own roots (PUT /roots).
      const forwarded = context.forward?.(request);
      if (forwarded) return forwarded;
      return { roots: context.roots() };
    }
    case "sampling/createMessage":
    case "elicitation/create": {
      const forwarded = context.forward?.(request);
      if (forwarded) return forwarded;
      throw new RemoteError(
        ErrorCode.MethodNotFound,
        `${request.method} is not available: no client that handles it is attached to this MCP Station session`,
      );
    }
    default:
      throw new RemoteError(ErrorCode.MethodNotFound, `method not found: ${request.method}`);
  }
}
