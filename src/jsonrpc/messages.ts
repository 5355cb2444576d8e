/**
 * JSON-RPC 2.0 message shapes and the guards that tell them apart.
 * Pure: no I/O. Used on both sides of the station (HTTP callers and stdio servers).
 */

export type JsonRpcId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: JsonRpcId;
  method: string;
  params?: Record<string, unknown> | unknown[];
}

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown> | unknown[];
}

export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export interface JsonRpcSuccess {
  jsonrpc: "2.0";
  id: JsonRpcId;
  result: unknown;
}

export interface JsonRpcFailure {
  jsonrpc: "2.0";
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** Standard codes from the JSON-RPC 2.0 specification, defined in the station's one table of codes. */
export { JsonRpcCode as ErrorCode } from "../errors/codes.ts";

export type Classified =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcResponse }
  | { kind: "invalid"; reason: string };

function isId(value: unknown): value is JsonRpcId {
  return typeof value === "string" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * Sorts a parsed value into one of the four JSON-RPC kinds.
 * Servers in the wild print all sorts of JSON to stdout (banners, debug
 * objects), so anything that is not exactly a JSON-RPC 2.0 message is "invalid"
 * and the caller decides to skip it, never to crash.
 */
export function classify(value: unknown): Classified {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { kind: "invalid", reason: "not a JSON object" };
  }
  const msg = value as Record<string, unknown>;
  if (msg.jsonrpc !== "2.0") return { kind: "invalid", reason: 'jsonrpc is not "2.0"' };
  if (typeof msg.method === "string") {
    if ("id" in msg && msg.id !== undefined) {
      if (!isId(msg.id)) return { kind: "invalid", reason: "request id is not a string or number" };
      return { kind: "request", message: msg as unknown as JsonRpcRequest };
    }
    return { kind: "notification", message: msg as unknown as JsonRpcNotification };
  }
  if ("result" in msg || "error" in msg) {
    if (!(isId(msg.id) || msg.id === null)) return { kind: "invalid", reason: "response id is not a string, number or null" };
    if ("error" in msg) {
      const err = msg.error as Record<string, unknown> | null;
      if (typeof err !== "object" || err === null || typeof err.code !== "number") {
        return { kind: "invalid", reason: "error member is not an error object" };
      }
    }
    return { kind: "response", message: msg as unknown as JsonRpcResponse };
  }
  return { kind: "invalid", reason: "neither a request, a notification nor a response" };
}

export function isFailure(response: JsonRpcResponse): response is JsonRpcFailure {
  return "error" in response;
}
