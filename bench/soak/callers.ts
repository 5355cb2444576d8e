/**
 * The injector's odd callers, each a fault a real client inflicts on the station:
 * - callers that drop mid-request (the fetch aborted while the server is still working),
 * - legacy MCP clients on one session's endpoint that all use JSON-RPC id 1 at once,
 * - a reader of the session's event stream that reads slowly while the server floods it.
 * Every answer they get is judged and counted like the load's.
 *
 * @example
 *   await repeatedIds(station, slot, tally, deadlines, 3);
 */
import { freshId, tokenOf } from "../lib/load.ts";
import { judgeMcpAnswer, judgeRestError, judgeSeedAnswer } from "./answers.ts";
import type { Slot } from "./fleet.ts";
import type { Deadlines } from "./load.ts";
import type { SoakStation } from "./station.ts";
import type { Channel, Tally } from "./tally.ts";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * POSTs JSON and answers the reply; undefined when none came, which is judged and counted on
 * `channel`: hung after `deadlines.hungAfterMs`, or nothing when `signal` ended it (a caller that drops).
 */
async function post(
  station: SoakStation,
  path: string,
  message: unknown,
  deadlines: Deadlines,
  extra: { channel: Channel; tally: Tally; headers?: Record<string, string>; signal?: AbortSignal },
): Promise<{ status: number; text: string; headers: Headers } | undefined> {
  const sentAt = performance.now();
  const signal = extra.signal ?? AbortSignal.timeout(deadlines.hungAfterMs);
  try {
    const response = await station.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...extra.headers },
      body: JSON.stringify(message),
      signal,
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  } catch (error) {
    if (!extra.signal?.aborted)
      extra.tally.add(extra.channel, await station.judgeNoAnswer(`POST ${path}`, sentAt, deadlines.hungAfterMs, error));
    return undefined;
  }
}

/** `callers` requests to echo.mjs's `slow` tool, each abandoned after a random 0-200 ms (before the station has read it, or while the server works). */
export async function dropCallers(station: SoakStation, slot: Slot, tally: Tally, deadlines: Deadlines, callers = 4): Promise<void> {
  const ms = 1000;
  const body = {
    session_id: slot.sessionId,
    method: "tools/call",
    params: { name: "slow", arguments: { ms } },
    timeout_ms: deadlines.timeoutMs,
  };
  await Promise.all(
    range(callers).map(async () => {
      const dropped = AbortSignal.timeout(Math.random() * 200);
      const answer = await post(station, "/mcp/request", body, deadlines, { channel: "dropped callers", tally, signal: dropped });
      // An answer before the drop (a refusal while the session restarts, say) is judged like any other.
      if (answer) tally.add("dropped callers", judgeSeedAnswer(answer.status, answer.text, `slept ${ms}`));
    }),
  );
}

/**
 * `clients` legacy MCP clients on the session's endpoint: each initializes (its own Mcp-Session-Id),
 * then all send tools/call with the same JSON-RPC id 1 at once; each must get its own text back.
 */
export async function repeatedIds(station: SoakStation, slot: Slot, tally: Tally, deadlines: Deadlines, clients = 3): Promise<void> {
  const path = `/sessions/${slot.sessionId}/mcp`;
  const options = { channel: "repeated ids" as const, tally };
  const initialize = {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "soak", version: "1.0.0" } },
  };
  const sessions = await Promise.all(
    range(clients).map(async () => {
      const answer = await post(station, path, initialize, deadlines, options);
      const mcpSession = answer?.status === 200 ? answer.headers.get("mcp-session-id") : null;
      if (answer && !mcpSession) tally.add("repeated ids", judgeMcpAnswer(answer.status, answer.text, 1, "an initialize result"));
      return mcpSession;
    }),
  );
  await Promise.all(
    sessions.map(async (mcpSession) => {
      if (!mcpSession) return;
      const headers = { "mcp-session-id": mcpSession };
      await post(station, path, { jsonrpc: "2.0", method: "notifications/initialized" }, deadlines, { ...options, headers });
      const text = tokenOf(freshId());
      const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text } } };
      const answer = await post(station, path, call, deadlines, { ...options, headers });
      if (answer) tally.add("repeated ids", judgeMcpAnswer(answer.status, answer.text, 1, text));
      await station.fetch(path, { method: "DELETE", headers }).catch(() => undefined);
    }),
  );
}

/**
 * Opens the session's event stream and reads one chunk every `pauseMs` for `readMs`, while the
 * server floods it with log notifications (echo.mjs's `log` tool, 16 KiB each): the station must
 * neither block the session on a slow reader nor fail its other callers.
 */
export async function slowEventReader(station: SoakStation, slot: Slot, tally: Tally, deadlines: Deadlines, readMs = 3000, pauseMs = 500) {
  const sentAt = performance.now();
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), deadlines.hungAfterMs);
  let response: Response;
  try {
    response = await station.fetch(`/sessions/${slot.sessionId}/events`, {
      headers: { accept: "text/event-stream" },
      signal: stop.signal,
    });
  } catch (error) {
    tally.add("event streams", await station.judgeNoAnswer("GET events", sentAt, deadlines.hungAfterMs, error));
    return;
  } finally {
    clearTimeout(timer);
  }
  if (response.status !== 200 || !response.headers.get("content-type")?.startsWith("text/event-stream")) {
    tally.add("event streams", judgeRestError(response.status, await response.text(), "GET events: "));
    return;
  }
  tally.add("event streams", { outcome: "correct" });
  const flood = { session_id: slot.sessionId, method: "tools/call", params: { name: "log", arguments: { text: "x".repeat(16_384) } } };
  const floods = range(20).map(async () => {
    const answer = await post(station, "/mcp/request", { ...flood, timeout_ms: deadlines.timeoutMs }, deadlines, {
      channel: "event streams",
      tally,
    });
    if (answer) tally.add("event streams", judgeSeedAnswer(answer.status, answer.text, "logged"));
  });
  const reader = response.body!.getReader();
  const until = performance.now() + readMs;
  try {
    while (performance.now() < until) {
      await Bun.sleep(pauseMs);
      // A read waits for the next chunk; the stream may be quiet, so it races the reader's own clock.
      const next = await Promise.race([reader.read(), Bun.sleep(Math.max(0, until - performance.now()))]);
      if (next?.done) break;
    }
  } catch (error) {
    // A stream broken by the station's SIGKILL shows at the next read, which may come after the
    // station is back: whether it was down is asked of the stream's whole life.
    tally.add("event streams", await station.judgeNoAnswer("reading the event stream", sentAt, Number.POSITIVE_INFINITY, error));
  }
  await reader.cancel().catch(() => undefined);
  await Promise.all(floods);
}
