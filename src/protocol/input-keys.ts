/**
 * The keys of the `inputRequests` a 2026-07-28 client gets when a legacy
 * server, working on its request, asks its client for sampling, elicitation
 * or roots (the station bridges those requests into an input_required
 * result). A legacy server names its request only by its JSON-RPC id, so the
 * key is that id: a server that chose `"user_name"` is answered under
 * `"user_name"`, as a 2026-07-28 server naming its own input would be. The
 * client's `inputResponses` come back under the same keys.
 *
 * @example
 *   inputKey("user_name", () => false)   // "user_name"
 *   inputKey(0, () => false)             // "0"
 *   inputKey(0, (k) => k === "0")        // "0_2": the server reused an id still waiting for its answer
 */
import type { JsonRpcId } from "../jsonrpc/messages.ts";

export function inputKey(id: JsonRpcId, taken: (key: string) => boolean): string {
  const base = String(id);
  if (!taken(base)) return base;
  let n = 2;
  while (taken(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}
