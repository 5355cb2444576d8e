/**
 * One request from a group to one of its members. A member that is
 * restarting is waited for (within the deadline), as a single session's
 * caller waits; one with no server coming is a MemberUnavailable, naming it.
 * A modern member learns from each request's envelope what the group's
 * client can answer, and its input_required results (sampling, elicitation,
 * roots) are answered by asking the group's live clients, then retried
 * (src/protocol/input-rounds.ts).
 *
 * @example
 *   await callMember(member, "tools/call", { name: "search", arguments: {} }, options, group);
 */
import { MemberUnavailable } from "../../errors.ts";
import type { JsonRpcRequest } from "../../jsonrpc/messages.ts";
import type { Root } from "../../protocol/client-requests.ts";
import { withInputRounds } from "../../protocol/input-rounds.ts";
import type { RequestOptions } from "../server-connection.ts";
import { isLive } from "../session-info.ts";
import type { GroupMember } from "./member.ts";

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
  const enveloped = session.era === "modern" ? group.envelope(params) : params;
  return withInputRounds((current) => session.request(method, current, options), enveloped, {
    // A client of the group that declared roots answers for itself; else the group's roots.
    ask: (request) => group.ask(request),
    roots: () => group.roots,
    signal: options.signal,
    label: `member ${member.name}`,
  });
}
