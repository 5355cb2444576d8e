/**
 * One request from a group to one of its members. A member that is
 * restarting is waited for (within the deadline), as a single session's
 * caller waits; one with no server coming is a MemberUnavailable, naming it.
 * A modern member learns from each request's envelope what the group's
 * client can answer, and its input_required results (sampling, elicitation,
 * roots) are answered by asking the group's live clients, then retried.
 *
 * @example
 *   await callMember(member, "tools/call", { name: "search", arguments: {} }, options, group);
 */
import { MemberUnavailable, RemoteError } from "../../errors.ts";
import { ErrorCode, type JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Root } from "../../protocol/client-requests.ts";
import type { RequestOptions } from "../server-connection.ts";
import { isLive } from "../session-info.ts";
import type { GroupMember } from "./member.ts";

/** Rounds of input a modern member may ask for in one call. */
const MAX_INPUT_ROUNDS = 10;

/** What of the group a member's call needs. */
export interface CallingGroup {
  id: string;
  groupName: string;
  roots: Root[];
  /** `params` with the `_meta` envelope a modern member gets from this group. */
  envelope(params: Record<string, unknown>): Record<string, unknown>;
  /** Asks the group's live clients; undefined when none takes the request. */
  ask(request: JsonRpcRequest): Promise<unknown> | undefined;
}

export async function callMember(
  member: GroupMember,
  method: string,
  params: Record<string, unknown>,
  options: RequestOptions,
  group: CallingGroup,
): Promise<unknown> {
  const session = member.session;
  if (!session || !(isLive(session.status) || session.status === "restarting")) {
    const why = session ? session.status : `it did not start: ${member.error ?? "unknown"}`;
    throw new MemberUnavailable(`member ${member.name} of group ${group.groupName} is not running (${why})`, {
      session_id: group.id,
      member: member.name,
      member_session_id: session?.id ?? null,
      member_status: session?.status ?? "failed",
    });
  }
  let current = session.era === "modern" ? group.envelope(params) : params;
  for (let round = 0; ; round++) {
    const result = await session.request(method, current, options);
    const asked = result as Record<string, unknown> | undefined;
    if (asked?.resultType !== "input_required") return result;
    if (round >= MAX_INPUT_ROUNDS)
      throw new RemoteError(ErrorCode.InternalError, `member ${member.name} asked for input ${MAX_INPUT_ROUNDS} times in a row`);
    const answers = await gatherInput(asked.inputRequests as Record<string, { method: string; params?: unknown }> | undefined, group);
    current = { ...current, inputResponses: answers };
    delete current.requestState;
    if (asked.requestState !== undefined) current.requestState = asked.requestState;
  }
}

async function gatherInput(
  requests: Record<string, { method: string; params?: unknown }> | undefined,
  group: CallingGroup,
): Promise<Record<string, unknown>> {
  const answers: Record<string, unknown> = {};
  for (const [key, ask] of Object.entries(requests ?? {})) {
    const request: JsonRpcRequest = {
      jsonrpc: "2.0",
      id: `group-${key}`,
      method: ask.method,
      params: ask.params as Record<string, unknown>,
    };
    const answer = ask.method === "roots/list" ? { roots: group.roots } : await group.ask(request);
    if (answer === undefined) throw new RemoteError(ErrorCode.InternalError, `no client of this group takes ${ask.method}`);
    answers[key] = answer;
  }
  return answers;
}
