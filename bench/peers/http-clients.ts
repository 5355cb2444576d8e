/**
 * One echo client per HTTP protocol in the comparison, each speaking the protocol the way its
 * users do, and each checking that the answer is the one for its request (see load.ts).
 *
 * - Streamable HTTP (supergateway stateful, mcp-proxy, the station's /sessions/{id}/mcp):
 *   initialize, notifications/initialized, then tools/call with Mcp-Session-Id; the reply is JSON
 *   or an SSE stream, whichever the server chose (its Content-Type says).
 * - mcpo: its REST route for the tool, POST /echo {"text": ...}.
 * - the station's seed route: POST /mcp/request {session_id, method, params}.
 *
 * @example
 *   const call = await openStreamableHttp("http://127.0.0.1:8000/mcp");
 *   await call("token-1", 1, AbortSignal.timeout(5000));
 */
import { ConnectionPool } from "./http-pool.ts";
import { CallFailure, type EchoCall, freshId } from "./load.ts";

const PROTOCOL_VERSION = "2025-03-26";

interface RpcMessage {
  jsonrpc?: string;
  id?: number | string | null;
  method?: string;
  result?: unknown;
  error?: { code: number; message: string };
}

/** The text of an echo tool result: content[0].text. */
function echoedText(result: unknown): unknown {
  const content = (result as { content?: { text?: unknown }[] } | undefined)?.content;
  return Array.isArray(content) ? content[0]?.text : undefined;
}

function checkRpcAnswer(message: RpcMessage | undefined, token: string, id: number): void {
  if (!message) throw new CallFailure("missing", `no JSON-RPC response for id ${id}`);
  if (message.id !== id) throw new CallFailure("crossed", `sent id ${id}, got id ${JSON.stringify(message.id)}`);
  if (message.error) throw new CallFailure("rpc", `id ${id}: ${message.error.code} ${message.error.message}`);
  const text = echoedText(message.result);
  if (text !== token) throw new CallFailure("crossed", `id ${id}: sent ${token}, got ${JSON.stringify(text)}`);
}

/** The JSON-RPC messages of an SSE body: each event's data lines joined, as the SSE spec says. */
export function parseSseMessages(body: string): RpcMessage[] {
  const messages: RpcMessage[] = [];
  for (const event of body.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
    if (data.length) messages.push(JSON.parse(data.join("\n")) as RpcMessage);
  }
  return messages;
}

/** The reply's JSON-RPC response: JSON, or an SSE stream (told by its first byte: JSON starts with { or [). */
function readRpcReply(body: string, id: number): RpcMessage | undefined {
  try {
    const trimmed = body.trimStart();
    const parsed =
      trimmed.startsWith("{") || trimmed.startsWith("[") ? (JSON.parse(body) as RpcMessage | RpcMessage[]) : parseSseMessages(body);
    if (!Array.isArray(parsed)) return parsed;
    // A stream may carry notifications before the response; a response with another id is a crossed answer.
    const responses = parsed.filter((m) => m.id !== undefined && m.method === undefined);
    return responses.find((m) => m.id === id) ?? responses[0];
  } catch {
    throw new CallFailure("missing", `id ${id}: unreadable body: ${body.slice(0, 120)}`);
  }
}

function httpFailure(response: { status: number }, body: string): CallFailure {
  return new CallFailure("http", `HTTP ${response.status}: ${body.slice(0, 160)}`);
}

/** Opens a Streamable HTTP session (initialize + initialized) and answers an echo call bound to it. */
export async function openStreamableHttp(url: string, signal?: AbortSignal): Promise<EchoCall> {
  const base = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const initId = freshId();
  const init = await fetch(url, {
    method: "POST",
    headers: base,
    signal,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: initId,
      method: "initialize",
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench-peers", version: "1.0.0" } },
    }),
  });
  const initBody = await init.text();
  if (!init.ok) throw httpFailure(init, initBody);
  const initReply = readRpcReply(initBody, initId);
  if (!initReply?.result) throw new CallFailure("rpc", `initialize: ${JSON.stringify(initReply)}`);
  const sessionId = init.headers.get("mcp-session-id");
  const negotiated = (initReply.result as { protocolVersion?: string }).protocolVersion ?? PROTOCOL_VERSION;
  const headers: Record<string, string> = { accept: base.accept, "mcp-protocol-version": negotiated };
  if (sessionId) headers["mcp-session-id"] = sessionId;
  const initialized = await fetch(url, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    signal,
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
  });
  await initialized.text();
  if (!initialized.ok) throw httpFailure(initialized, "notifications/initialized");

  const pool = new ConnectionPool(url);
  const path = new URL(url).pathname;
  return async (token, id, callSignal) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name: "echo", arguments: { text: token } } });
    const answer = await pool.post(path, body, headers, callSignal);
    if (answer.status < 200 || answer.status > 299) throw httpFailure(answer, answer.text);
    checkRpcAnswer(readRpcReply(answer.text, id), token, id);
  };
}

/** mcpo's OpenAPI route for the tool: POST /echo with the tool's arguments; the answer is the tool's text. */
export function mcpoEcho(baseUrl: string): EchoCall {
  const pool = new ConnectionPool(baseUrl);
  return async (token, _id, signal) => {
    const { status, text: body } = await pool.post("/echo", JSON.stringify({ text: token }), {}, signal);
    if (status < 200 || status > 299) throw httpFailure({ status }, body);
    let answer: unknown;
    try {
      answer = JSON.parse(body);
    } catch {
      throw new CallFailure("missing", `unreadable body: ${body.slice(0, 120)}`);
    }
    // mcpo answers the tool's text content as a JSON string (or a one-element list of them).
    const text = Array.isArray(answer) ? answer[0] : answer;
    if (text !== token) throw new CallFailure("crossed", `sent ${token}, got ${body.slice(0, 120)}`);
  };
}

/** The station's seed route. The station keeps its own ids on the wire, so the token is what ties an answer to its request. */
export function stationSeedEcho(baseUrl: string, sessionId: string): EchoCall {
  const pool = new ConnectionPool(baseUrl);
  return async (token, id, signal) => {
    const request = JSON.stringify({
      session_id: sessionId,
      method: "tools/call",
      params: { name: "echo", arguments: { text: token } },
      id,
    });
    const { status, text: body } = await pool.post("/mcp/request", request, {}, signal);
    if (status < 200 || status > 299) throw httpFailure({ status }, body);
    let answer: { success?: boolean; data?: unknown; error?: { code: number; message: string } };
    try {
      answer = JSON.parse(body);
    } catch {
      throw new CallFailure("missing", `unreadable body: ${body.slice(0, 120)}`);
    }
    if (answer.success !== true) throw new CallFailure("rpc", `${answer.error?.code} ${answer.error?.message}`);
    const text = echoedText(answer.data);
    if (text !== token) throw new CallFailure("crossed", `sent ${token}, got ${JSON.stringify(text)}`);
  };
}

/** Creates a station session for `command` and answers its id. */
export async function createStationSession(baseUrl: string, command: string[], signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${baseUrl}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    signal,
    body: JSON.stringify({ server_type: "command", server_command: command[0], server_args: command.slice(1) }),
  });
  const body = await response.text();
  if (!response.ok) throw httpFailure(response, body);
  return (JSON.parse(body) as { session_id: string }).session_id;
}
