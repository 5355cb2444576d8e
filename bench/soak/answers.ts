/**
 * Judging one answer: the right one, a clean error in the documented shape, or a failure. Pure
 * functions over a status and a body, so what counts as what is decided in one place for every
 * channel (docs/api.md's error table for the REST routes, JSON-RPC error objects on the MCP
 * endpoint).
 *
 * @example
 *   judgeSeedAnswer(200, '{"success":true,"data":{"content":[{"type":"text","text":"t-1"}]}}', "t-1"); // { outcome: "correct" }
 *   judgeSeedAnswer(409, body, "t-1"); // { outcome: "clean", detail: "409 session_not_running" }
 */
import { echoedText } from "../lib/load.ts";
import type { Judged } from "./tally.ts";

/** The statuses a documented station error may carry: every 4xx, and the gateway errors. */
const cleanStatus = (status: number) => (status >= 400 && status < 500) || status === 502 || status === 503 || status === 504;

const INTERNAL_ERROR = -32603;

/** The JSON in `text`, or undefined. */
export function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isErrorObject = (error: any): boolean => typeof error?.code === "number" && typeof error?.message === "string";

/** The text a result carries: the right one, someone else's, or none at all. */
function judgeText(result: unknown, expected: string, where: string): Judged {
  const text = echoedText(result);
  if (text === expected) return { outcome: "correct" };
  if (typeof text === "string") return { outcome: "crossed", detail: `${where}: wanted ${expected}, got ${text.slice(0, 100)}` };
  return { outcome: "malformed", detail: `${where}: no text in ${JSON.stringify(result)?.slice(0, 200)}` };
}

/** A POST /mcp/request answer (or any REST error) whose result should carry `expected` as its text. */
export function judgeSeedAnswer(status: number, text: string, expected: string): Judged {
  const body = parse(text) as any;
  const seen = `HTTP ${status} ${text.slice(0, 300)}`;
  if (status === 500) return { outcome: "internal", detail: seen };
  if (body === undefined) return { outcome: "malformed", detail: seen };
  if (status === 200 && body.success === true) return judgeText(body.data, expected, "mcp/request");
  return restError(status, body, seen);
}

/** An answer that should be a station error on a REST route: `{success: false, error: {code, message, data: {type}}}` with a clean status. */
export function judgeRestError(status: number, text: string, what = ""): Judged {
  const seen = `${what}HTTP ${status} ${text.slice(0, 300)}`;
  if (status === 500) return { outcome: "internal", detail: seen };
  return restError(status, parse(text), seen);
}

function restError(status: number, body: any, seen: string): Judged {
  const type = body?.error?.data?.type;
  if (body?.error?.code === INTERNAL_ERROR) return { outcome: "internal", detail: seen };
  if (cleanStatus(status) && body?.success === false && isErrorObject(body.error) && typeof type === "string")
    return {
      outcome: "clean",
      detail: `${status} ${type}${typeof body.error.data.status === "string" ? ` (${body.error.data.status})` : ""}`,
    };
  // A server's own JSON-RPC error arrives with 200; the soak's tools never fail, so it is not a clean answer here.
  return { outcome: "malformed", detail: seen };
}

/**
 * An answer on the MCP endpoint (/sessions/{id}/mcp) to request `id`, which asked to echo
 * `expected`: JSON-RPC, so errors are error objects, with 200 or a clean status.
 */
export function judgeMcpAnswer(status: number, text: string, id: number, expected: string): Judged {
  const body = parse(text) as any;
  const seen = `HTTP ${status} ${text.slice(0, 300)}`;
  if (status === 500 || body?.error?.code === INTERNAL_ERROR) return { outcome: "internal", detail: seen };
  if (body === undefined) return { outcome: "malformed", detail: seen };
  if (isErrorObject(body.error) && (status === 200 || cleanStatus(status)))
    return { outcome: "clean", detail: `MCP ${status} ${body.error.code}` };
  if (status !== 200 || body.result === undefined) return { outcome: "malformed", detail: seen };
  if (body.id !== id) return { outcome: "crossed", detail: `repeated ids: sent id ${id}, answered id ${body.id}` };
  return judgeText(body.result, expected, "repeated ids");
}
