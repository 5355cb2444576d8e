/**
 * The bridged calls (bridged-call.ts) waiting for their client's retry: an
 * input_required result names its call with a requestState token, the
 * retry that brings it back delivers the client's answers, and a call not
 * retried within `inputWaitMs` is withdrawn. The token is random and known
 * only to the client it was given to, and a retry must reach the session the
 * call runs on; its prefix names that session (src/http/session-scoped-id.ts).
 *
 * @example
 *   const next = await parked.run(session, request.signal, "tools/call", params, capabilities, onProgress, caller);
 *   // { kind: "input_required", result: { resultType: "input_required", inputRequests, requestState } }
 */
import type { Caller } from "../../security/caller.ts";
import { RemoteError, RpcCode } from "../../errors.ts";
import { withoutModernMeta } from "../../protocol/bridge.ts";
import type { Session } from "../../sessions/session.ts";
import { sessionScopedId } from "../../http/session-scoped-id.ts";
import { BridgedCall } from "./bridged-call.ts";

export type BridgedOutcome =
  | { kind: "result"; result: unknown }
  | { kind: "error"; error: unknown }
  | { kind: "input_required"; result: Record<string, unknown> };

export class ParkedCalls {
  private readonly parked = new Map<string, BridgedCall>();

  constructor(private readonly inputWaitMs: number) {}

  /** The session a parked call runs on: a retry must reach the same process (registry pools). */
  sessionOf(requestState: unknown): Session | undefined {
    return typeof requestState === "string" ? this.parked.get(requestState)?.session : undefined;
  }

  /** A modern client's request to a legacy server: a new call, or the retry of a parked one. */
  async run(
    session: Session,
    signal: AbortSignal,
    method: string,
    params: Record<string, unknown>,
    capabilities: Record<string, unknown>,
    onProgress: (progress: Record<string, unknown>) => void,
    /** Who asks: the access rules see it (Session.request). */
    caller: Caller,
  ): Promise<BridgedOutcome> {
    const { inputResponses, requestState, ...rest } = params;
    let call: BridgedCall;
    let next: Promise<Awaited<ReturnType<BridgedCall["next"]>>>;
    if (requestState !== undefined) {
      const found = typeof requestState === "string" ? this.parked.get(requestState) : undefined;
      if (!found || found.session !== session) throw new RemoteError(RpcCode.InvalidParams, "Invalid or expired requestState");
      this.parked.delete(requestState as string);
      if (found.expiry) clearTimeout(found.expiry);
      call = found;
      // Wait for what comes next before answering the questions, so nothing the server says is missed.
      next = call.next();
      call.answer((inputResponses ?? {}) as Record<string, unknown>);
    } else {
      call = new BridgedCall(session, method, withoutModernMeta(rest), capabilities, onProgress, caller);
      next = call.next();
    }
    // While this HTTP request is open, the client hanging up withdraws the call.
    const onAbort = () => call.controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const outcome = await next;
      if (outcome.kind !== "input") return outcome;
      // Named after its session: a retry that reaches another node of a cluster is sent to the one that parked it.
      const token = sessionScopedId(session.id);
      this.parked.set(token, call);
      call.expiry = setTimeout(() => this.expire(token), this.inputWaitMs);
      return { kind: "input_required", result: { resultType: "input_required", inputRequests: outcome.requests, requestState: token } };
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** The client never retried: the server's questions get an error, and the call is withdrawn. */
  private expire(token: string): void {
    const call = this.parked.get(token);
    if (!call) return;
    this.parked.delete(token);
    call.fail(new RemoteError(RpcCode.InternalError, "the client did not answer the input request in time"));
    call.controller.abort();
  }
}
