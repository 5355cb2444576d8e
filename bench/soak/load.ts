/**
 * The soak's load: tools/call through POST /mcp/request, round robin over the fleet's sessions,
 * driven by the benches' load generator (bench/lib/load.ts). Even requests ask the server for its
 * SOAK_TOKEN (`env`), which only the right process knows; odd ones ask it to echo a text unique to
 * the request. Each answer is judged and counted here, so the Call never throws for a bad answer:
 * what the load generator itself counts as an error is a bug in the soak.
 *
 * @example
 *   const result = await runLoad(soakCall(station, fleet, tally, { timeoutMs: 3000, hungAfterMs: 6000 }), { concurrency: 16, durationMs: 60_000, timeoutMs: 6000 });
 */
import { HttpClient } from "../lib/http-client.ts";
import { type Call, tokenOf } from "../lib/load.ts";
import { judgeSeedAnswer } from "./answers.ts";
import { type Fleet, TOKEN_VAR } from "./fleet.ts";
import type { SoakStation } from "./station.ts";
import type { Tally } from "./tally.ts";

export interface Deadlines {
  /** The timeout_ms each request carries: past it, the station answers 504. */
  timeoutMs: number;
  /** When the caller gives up and counts the request hung: timeout_ms plus a margin. */
  hungAfterMs: number;
}

/** 3 s per request, so a server frozen for 2 s still answers; 3 s more before the caller counts it hung. */
export const DEADLINES: Deadlines = { timeoutMs: 3000, hungAfterMs: 6000 };

/** What request `id` asks of the server, and the text only the right answer carries. */
export function soakRequest(id: number, token: string): { params: object; expected: string } {
  if (id % 2 === 0) return { params: { name: "env", arguments: { name: TOKEN_VAR } }, expected: token };
  const text = tokenOf(id);
  return { params: { name: "echo", arguments: { text } }, expected: text };
}

export function soakCall(station: SoakStation, fleet: Fleet, tally: Tally, deadlines: Deadlines): Call {
  const client = new HttpClient(station.url);
  return async (id, deadline) => {
    const slot = fleet.slotFor(id);
    const { params, expected } = soakRequest(id, slot.token);
    const body = JSON.stringify({ session_id: slot.sessionId, method: "tools/call", params, timeout_ms: deadlines.timeoutMs });
    const sentAt = performance.now();
    try {
      const answer = await client.post("/mcp/request", body, {}, deadline);
      tally.add("mcp/request", station.markRestoring(judgeSeedAnswer(answer.status, answer.text, expected), sentAt, performance.now()));
    } catch (error) {
      tally.add("mcp/request", await station.judgeNoAnswer("POST /mcp/request", sentAt, deadlines.hungAfterMs, error));
    }
  };
}
