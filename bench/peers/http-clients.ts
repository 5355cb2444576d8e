/**
 * The peers' own HTTP protocols as Calls for bench/lib/load.ts, each speaking the protocol the way
 * its users do, and each checking that the answer is the one for its request. (The station's seed
 * route is bench/lib/station-api.ts's seedCall.)
 *
 * - Streamable HTTP (supergateway stateful, mcp-proxy, the station's /sessions/{id}/mcp):
 *   initialize, notifications/initialized, then tools/call with Mcp-Session-Id; the reply is JSON
 *   or an SSE stream, whichever the server chose.
 * - mcpo: its REST route for the tool, POST /echo {"text": ...}.
 *
 * @example
 *   const call = await openStreamableHttp("http://127.0.0.1:8000/mcp");
 *   await call(freshId(), Deadline.in(5000));
 */
import { HttpClient, httpFailure } from "../lib/http-client.ts";
import { type Call, CallFailure, checkAnswer, echoLoad, freshId, type RpcAnswer, tokenOf } from "../lib/load.ts";

/** The echo tool of the peers' servers (sdk-echo.mjs, fastmcp_echo.py): echo({text}) -> text. */
export const ECHO_TEXT = echoLoad("text");

const PROTOCOL_VERSION = "2025-03-26";

type RpcMessage = RpcAnswer & { jsonrpc?: string; method?: string };

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

/** The reply's JSON-RPC response to `id`: JSON, or an SSE stream (told by its first byte: JSON starts with { or [). */
function readRpcReply(body: string, id: number): RpcMessage {
  let reply: RpcMessage | undefined;
  try {
    const trimmed = body.trimStart();
    const parsed =
      trimmed.startsWith("{") || trimmed.startsWith("[") ? (JSON.parse(body) as RpcMessage | RpcMessage[]) : parseSseMessages(body);
    // A stream may carry notifications before the response; a response with another id is a crossed answer.
    const responses = Array.isArray(parsed) ? parsed.filter((m) => m.id !== undefined && m.method === undefined) : [parsed];
    reply = responses.find((m) => m.id === id) ?? responses[0];
  } catch {
    throw new CallFailure("missing", `id ${id}: unreadable body: ${body.slice(0, 120)}`);
  }
  if (!reply) throw new CallFailure("missing", `no JSON-RPC response for id ${id}`);
  if (reply.id !== id) throw new CallFailure("crossed", `sent id ${id}, got id ${JSON.stringify(reply.id)}`);
  return reply;
}

/** Opens a Streamable HTTP session (initialize + initialized) and answers a Call bound to it. */
export async function openStreamableHttp(url: string, signal?: AbortSignal): Promise<Call> {
  const accept = "application/json, text/event-stream";
  let session: Record<string, string> = {};
  const post = async (body: object) => {
    const headers = { "content-type": "application/json", accept, ...session };
    const response = await fetch(url, { method: "POST", headers, signal, body: JSON.stringify(body) });
    const text = await response.text();
    if (!response.ok) throw httpFailure({ status: response.status, text });
    return { response, text };
  };
  const initId = freshId();
  const init = await post({
    jsonrpc: "2.0",
    id: initId,
    method: "initialize",
    params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "bench-peers", version: "1.0.0" } },
  });
  const initReply = readRpcReply(init.text, initId);
  if (!initReply.result) throw new CallFailure("rpc", `initialize: ${JSON.stringify(initReply)}`);
  const sessionId = init.response.headers.get("mcp-session-id");
  session = {
    "mcp-protocol-version": (initReply.result as { protocolVersion?: string }).protocolVersion ?? PROTOCOL_VERSION,
    ...(sessionId ? { "mcp-session-id": sessionId } : {}),
  };
  await post({ jsonrpc: "2.0", method: "notifications/initialized" });

  const client = new HttpClient(url);
  const path = new URL(url).pathname;
  return async (id, deadline) => {
    const body = JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: ECHO_TEXT.params(id) });
    const answer = await client.post(path, body, { accept, ...session }, deadline);
    if (answer.status < 200 || answer.status > 299) throw httpFailure(answer);
    checkAnswer(readRpcReply(answer.text, id), ECHO_TEXT, id);
  };
}

/** mcpo's OpenAPI route for the tool: POST /echo with the tool's arguments; the answer is the tool's text. */
export function mcpoEcho(baseUrl: string): Call {
  const client = new HttpClient(baseUrl);
  return async (id, deadline) => {
    const token = tokenOf(id);
    const answer = await client.postJson("/echo", JSON.stringify({ text: token }), deadline);
    // mcpo answers the tool's text content as a JSON string (or a one-element list of them).
    const text = Array.isArray(answer) ? answer[0] : answer;
    if (text !== token) throw new CallFailure("crossed", `sent ${token}, got ${JSON.stringify(answer).slice(0, 120)}`);
  };
}
