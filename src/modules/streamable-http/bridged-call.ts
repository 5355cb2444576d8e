/**
 * A 2026-07-28 client's call to a legacy server, bridged (SEP-2322, multi
 * round-trip requests): while the server works on the call it may ask its
 * client for sampling, elicitation or roots, on the stdio stream; the
 * station collects those questions into an input_required result for the
 * client, and delivers the client's answers (its retry's inputResponses) to
 * the server, which has been waiting on them all along. Each call is one
 * live client of its session while it runs, asked the server's requests
 * ahead of the others (it is the newest request in flight).
 *
 * @example
 *   const call = new BridgedCall(session, "tools/call", params, capabilities, onProgress, caller);
 *   const next = await call.next();             // the result, an error, or the questions to ask the client
 *   call.answer({ s2: { action: "accept" } });  // the retry's inputResponses go to the waiting server
 */
import type { Caller } from "../../security/caller.ts";
import { RemoteError, RpcCode } from "../../errors.ts";
import type { JsonRpcRequest } from "../../jsonrpc/messages.ts";
import { inputKey } from "../../protocol/input-keys.ts";
import { CAPABILITY_OF, type LiveClient, declares } from "../../sessions/client-hub.ts";
import type { Session } from "../../sessions/session.ts";

export type InputRequests = Record<string, { method: string; params: unknown }>;

export type Outcome = { kind: "result"; result: unknown } | { kind: "error"; error: unknown } | { kind: "input"; requests: InputRequests };

type Answer = (answer: unknown, error?: RemoteError) => void;

/** Questions the server asks within this long of each other go to the client in one input_required result. */
const GATHER_MS = 5;

export class BridgedCall implements LiveClient {
  readonly controller = new AbortController();
  lastActiveAt = Date.now();
  /** The call's own end: its result or its error. */
  readonly outcome: Promise<Outcome>;
  /** While parked for the client's retry: the timer that gives up on it. */
  expiry: ReturnType<typeof setTimeout> | undefined;
  /** The server's requests the client was shown and has not answered, by input key. */
  private readonly questions = new Map<string, Answer>();
  /** Questions being gathered for the next input_required result. */
  private gathering: InputRequests = {};
  private gatherTimer: ReturnType<typeof setTimeout> | undefined;
  /** The HTTP request waiting for what comes next, if one is. */
  private waiting: ((outcome: Outcome) => void) | undefined;
  /** What came while no HTTP request was waiting (between an input_required result and the retry). */
  private ready: Outcome | undefined;
  private readonly startedAt = Date.now();

  constructor(
    readonly session: Session,
    method: string,
    params: Record<string, unknown> | undefined,
    /** What the client declared in this request's envelope. */
    private readonly capabilities: Record<string, unknown>,
    onProgress: (progress: Record<string, unknown>) => void,
    caller: Caller,
  ) {
    const detach = session.clients.attach(this);
    this.outcome = session
      .request(method, params, { signal: this.controller.signal, onProgress, caller })
      .then(
        (result): Outcome => ({ kind: "result", result }),
        (error): Outcome => ({ kind: "error", error }),
      )
      .finally(() => {
        detach();
        this.fail(new RemoteError(RpcCode.InternalError, "the request ended"));
      });
  }

  /** What comes next: the call's end, or the next questions for the client. */
  next(): Promise<Outcome> {
    const pending = this.ready;
    this.ready = undefined;
    const input = pending ? Promise.resolve(pending) : new Promise<Outcome>((resolve) => (this.waiting = resolve));
    return Promise.race([this.outcome, input]);
  }

  /** The client's answers (a retry's inputResponses), each to the server request it was asked under; others are ignored. */
  answer(inputResponses: Record<string, unknown>): void {
    for (const [key, answer] of Object.entries(inputResponses)) {
      const question = this.questions.get(key);
      this.questions.delete(key);
      question?.(answer);
    }
  }

  /** Every question still open gets `error` at the server (the client gave up, or the call ended). */
  fail(error: RemoteError): void {
    for (const question of this.questions.values()) question(undefined, error);
    this.questions.clear();
  }

  // Sampling and elicitation are taken even when undeclared: the exact 2026 answer is MissingRequiredClientCapability
  // (ask, below). roots/list undeclared falls through to the session's own roots.
  accepts(method: string): boolean {
    return (
      !this.controller.signal.aborted &&
      (declares(this.capabilities, method) || method === "sampling/createMessage" || method === "elicitation/create")
    );
  }

  busySince(): number {
    return this.startedAt;
  }

  ask(request: JsonRpcRequest): Promise<unknown> {
    if (!declares(this.capabilities, request.method)) return this.missingCapability(request.method);
    // Named after the server's own request: its JSON-RPC id, the one name a legacy server gives it.
    const key = inputKey(request.id, (taken) => taken in this.gathering || this.questions.has(taken));
    this.gathering[key] = { method: request.method, params: request.params ?? {} };
    this.gatherTimer ??= setTimeout(() => this.sendGathered(), GATHER_MS);
    return new Promise((resolve, reject) => {
      this.questions.set(key, (answer, error) => (error ? reject(error) : resolve(answer)));
    });
  }

  private sendGathered(): void {
    this.gatherTimer = undefined;
    const requests = this.gathering;
    this.gathering = {};
    const earlier = this.ready?.kind === "input" ? this.ready.requests : {};
    this.deliver({ kind: "input", requests: { ...earlier, ...requests } });
  }

  private deliver(outcome: Outcome): void {
    if (this.waiting) this.waiting(outcome);
    else this.ready = outcome;
    this.waiting = undefined;
  }

  /** The client did not declare what the server asks for: the call ends with the 2026 error, and is withdrawn. */
  private missingCapability(method: string): Promise<never> {
    const needed = CAPABILITY_OF[method];
    // A RemoteError, not a ProtocolError: it is also the answer to the server's request, which travels as it is.
    const missing = new RemoteError(RpcCode.MissingRequiredClientCapability, `Missing required client capability: ${needed}`, {
      requiredCapabilities: { [needed]: {} },
    });
    this.deliver({ kind: "error", error: missing });
    this.controller.abort();
    return Promise.reject(missing);
  }
}
