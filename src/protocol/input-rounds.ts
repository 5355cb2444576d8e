/**
 * A 2026-07-28 server's multi round-trip request (SEP-2322), carried through
 * for a caller that does not speak input_required: a legacy MCP client, a
 * WebSocket caller, a group's clients. Each input request the server makes is
 * put to the caller as a request of its own (roots/list falls back to the
 * session's roots when the caller does not answer it), and the request is
 * sent again with the answers and the server's requestState until it
 * completes: at most MAX_INPUT_ROUNDS rounds, so a server that never finishes
 * cannot hold a caller forever, and no longer than the caller's signal.
 *
 * One definition for every channel: the MCP endpoint's legacy clients, the
 * WebSocket and a group's members all walk the rounds here.
 *
 * @example
 *   const result = await withInputRounds((p) => session.request("tools/call", p, options), params, {
 *     ask: (request) => client.request(request.method, request.params),
 *     roots: () => session.roots,
 *   });
 */
import { RemoteError, RequestCancelled } from "../errors.ts";
import { ErrorCode, type JsonRpcRequest } from "../jsonrpc/messages.ts";
import type { Root } from "./client-requests.ts";

/** Rounds of input_required walked through before the station gives up on a server that never finishes. */
export const MAX_INPUT_ROUNDS = 16;

export interface InputSource {
  /** Puts one of the server's input requests to the caller; undefined when it cannot take it (undeclared, no stream). */
  ask(request: JsonRpcRequest): Promise<unknown> | undefined;
  /** The roots answered when the caller does not answer roots/list itself. */
  roots?(): Root[];
  /** The caller's request was withdrawn: stop waiting for its answers. */
  signal?: AbortSignal;
  /** Who asks, in errors: "the server" unless told. */
  label?: string;
}

type InputRequests = Record<string, { method: string; params?: unknown }>;

/** Sends `params` through `send`, answering every input_required round through `source`; resolves with the final result. */
export async function withInputRounds(
  send: (params: Record<string, unknown>) => Promise<unknown>,
  params: Record<string, unknown>,
  source: InputSource,
): Promise<unknown> {
  const label = source.label ?? "the server";
  let current = params;
  for (let round = 0; ; round++) {
    const result = (await send(current)) as Record<string, unknown> | undefined;
    if (result?.resultType !== "input_required") return result;
    if (round >= MAX_INPUT_ROUNDS)
      throw new RemoteError(ErrorCode.InternalError, `${label} asked for input ${MAX_INPUT_ROUNDS} times in a row`);
    const inputResponses = await answerAll(result.inputRequests as InputRequests | undefined, source, label);
    current = { ...current, inputResponses };
    if (result.requestState !== undefined) current.requestState = result.requestState;
    else delete current.requestState;
  }
}

/** The caller's answers, keyed as the server keyed its requests; asked one at a time, as a person answers them. */
async function answerAll(requests: InputRequests | undefined, source: InputSource, label: string): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const [key, input] of Object.entries(requests ?? {})) {
    const request: JsonRpcRequest = { jsonrpc: "2.0", id: key, method: input.method, params: input.params as Record<string, unknown> };
    let asked = source.ask(request);
    if (!asked && input.method === "roots/list" && source.roots) asked = Promise.resolve({ roots: source.roots() });
    if (!asked)
      throw new RemoteError(
        ErrorCode.InternalError,
        `${label} needs input (${input.method}) that this client cannot give: it did not declare the capability, or has no open stream`,
      );
    answers[key] = await untilAborted(asked, source.signal);
  }
  return answers;
}

function untilAborted<T>(answer: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return answer;
  if (signal.aborted) return Promise.reject(new RequestCancelled("the request was withdrawn while the server waited for input"));
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new RequestCancelled("the request was withdrawn while the server waited for input"));
    signal.addEventListener("abort", abort, { once: true });
    answer.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
