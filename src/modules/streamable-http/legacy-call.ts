/**
 * One request of a legacy client's MCP session (2025-03-26 .. 2025-11-25),
 * run on the server behind, whatever its era. A legacy server takes it as it
 * is. A 2026-07-28 server gets the envelope the client never sends itself
 * (its own info and capabilities), and its input_required results are walked
 * through with the client (src/protocol/input-rounds.ts): each input request
 * goes to the client as a request of the server's own on the client's
 * streams, and the server is asked again with the answers. The
 * final result loses the 2026-only fields. The client's log level (its
 * logging/setLevel, else every level, as a legacy server logs) travels in
 * the envelope too.
 *
 * @example
 *   const reply = await callForClient(client, message, { signal, onProgress }, clientInfo, log);
 *   // { jsonrpc: "2.0", id, result } or { jsonrpc: "2.0", id, error }: it never rejects
 */
import { toRpcError } from "../../errors.ts";
import { reportMasked } from "../../http/masked-errors.ts";
import type { JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Logger } from "../../log.ts";
import { modernClientCapabilities } from "../../protocol/bridge.ts";
import { type Implementation, modernEnvelope } from "../../protocol/handshake.ts";
import { withInputRounds } from "../../protocol/input-rounds.ts";
import { META } from "../../protocol/versions.ts";
import type { RequestOptions } from "../../sessions/server-connection.ts";
import type { LegacyMcpSession } from "./legacy-client.ts";

type Reply = Record<string, unknown>;

/** Runs one request on the server; resolves with the JSON-RPC response for the client, never rejects. */
export async function callForClient(
  client: LegacyMcpSession,
  message: JsonRpcRequest,
  options: Pick<RequestOptions, "signal" | "onProgress" | "caller">,
  stationInfo: Implementation,
  log: Logger,
): Promise<Reply> {
  const session = client.session;
  const params = message.params as Record<string, unknown> | undefined;
  try {
    if (session.era !== "modern") {
      const result = await session.request(message.method, params, options);
      client.setup.record(message.method, params);
      return { jsonrpc: "2.0", id: message.id, result };
    }
    if (message.method === "logging/setLevel") {
      // 2026-07-28 has no such request: the level travels in each request's envelope, this client's own.
      client.setup.record(message.method, params);
      return { jsonrpc: "2.0", id: message.id, result: {} };
    }
    const envelope = {
      ...modernEnvelope((client.clientInfo as Implementation | undefined) ?? stationInfo, modernClientCapabilities(client.capabilities)),
      // A legacy server logs what it likes until its client sets a level; a modern one logs only at a level asked for.
      [META.logLevel]: client.setup.level ?? "debug",
    };
    const enveloped = { ...params, _meta: { ...(params?._meta as object | undefined), ...envelope } };
    const result = await withInputRounds((current) => session.request(message.method, current, options), enveloped, {
      // Each input request goes to the client as a request of the server's own, on the client's streams.
      ask: (request) => client.request(request.method, request.params),
      roots: () => session.roots,
      signal: options.signal,
    });
    return { jsonrpc: "2.0", id: message.id, result: asLegacyResult(result as Record<string, unknown>) };
  } catch (error) {
    reportMasked(log, error, { session_id: session.id, method: message.method });
    return { jsonrpc: "2.0", id: message.id, error: toRpcError(error) };
  }
}

/** A modern server's result as a legacy client expects it: without the 2026-only fields. */
function asLegacyResult(result: Record<string, unknown>): Record<string, unknown> {
  const { resultType: _type, ttlMs: _ttl, cacheScope: _scope, ...rest } = result ?? {};
  const meta = rest._meta as Record<string, unknown> | undefined;
  if (meta && META.serverInfo in meta) {
    const { [META.serverInfo]: _info, ...others } = meta;
    if (Object.keys(others).length > 0) rest._meta = others;
    else delete rest._meta;
  }
  return rest;
}
