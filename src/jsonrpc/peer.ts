/**
 * One JSON-RPC connection over a byte stream: framing in, serialisation out,
 * correlation of responses, dispatch of the other side's requests and
 * notifications. Pure: the bytes come in through `push` and go out through
 * the injected `write`, so it is tested with plain strings.
 */
import { MessageTooLarge, RemoteError } from "../errors.ts";
import { type Clock, Correlator, type Deadline, systemClock } from "./correlator.ts";
import { LineDecoder, type OversizedLine, idOfOversizedLine } from "./line-decoder.ts";
import { RawJson, scanResponse } from "./raw-json.ts";
import { ErrorCode, type JsonRpcId, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, classify } from "./messages.ts";

export interface PeerHandlers {
  /** A request from the other side. Return its result, or throw a RemoteError. */
  onRequest(request: JsonRpcRequest): unknown | Promise<unknown>;
  onNotification(notification: JsonRpcNotification): void;
  /** A line that is not JSON-RPC (a banner, a stray print): skipped, reported here. */
  onInvalidLine(line: string, reason: string): void;
  /** A response that matched no pending request (late, or forged). */
  onUnmatchedResponse?(response: JsonRpcResponse): void;
  /** A message over the size cap; `id` is the request it answered, when it can be told. */
  onOversized?(info: OversizedLine, id: JsonRpcId | undefined): void;
}

export interface PeerOptions {
  maxMessageBytes: number;
  /** Success responses at least this long go to callers that asked for raw results as RawJson. Default 64 KiB. */
  rawMinBytes?: number;
  /** Pushed chunks are never reused by the caller, so partial lines are kept without a copy. */
  ownsChunks?: boolean;
  clock?: Clock;
}

export class JsonRpcPeer {
  private readonly decoder: LineDecoder;
  readonly correlator: Correlator;
  private readonly maxMessageBytes: number;

  constructor(
    /** Writes one serialised message (newline included). Throws when the pipe is gone. */
    private readonly write: (data: string) => void,
    private readonly handlers: PeerHandlers,
    options: PeerOptions,
  ) {
    this.maxMessageBytes = options.maxMessageBytes;
    this.correlator = new Correlator((id) => this.sendCancelled(id, "request timed out"), options.clock ?? systemClock);
    this.decoder = new LineDecoder(
      { line: (text) => this.receiveLine(text), oversized: (info) => this.receiveOversized(info), raw: (bytes) => this.receiveRaw(bytes) },
      options.maxMessageBytes,
      options.rawMinBytes ?? 64 * 1024,
      options.ownsChunks ?? false,
    );
  }

  /** Feeds bytes read from the other side. */
  push(chunk: Uint8Array): void {
    this.decoder.push(chunk);
  }

  /**
   * Sends a request under a fresh station id. The promise settles with the
   * response (a JSON-RPC error is a response too), or rejects with a local
   * error: deadline, write failure, connection closed.
   */
  request(
    method: string,
    params: unknown | ((id: number) => unknown),
    deadline: Deadline,
    /** raw: a large success result may arrive as a RawJson (its JSON text, unparsed) instead of a value. */
    options: { raw?: boolean } = {},
  ): { id: number; response: Promise<JsonRpcResponse> } {
    const opened = this.correlator.open(method, deadline, options);
    const message: Record<string, unknown> = { jsonrpc: "2.0", id: opened.id, method };
    // A builder lets the caller use the station id inside params (as a progress token).
    const built = typeof params === "function" ? (params as (id: number) => unknown)(opened.id) : params;
    if (built !== undefined) message.params = built;
    try {
      this.write(`${JSON.stringify(message)}\n`);
    } catch (error) {
      this.correlator.fail(opened.id, error as Error);
    }
    return opened;
  }

  /** Sends a notification. Throws when the pipe is gone. */
  notify(method: string, params?: unknown): void {
    const message: Record<string, unknown> = { jsonrpc: "2.0", method };
    if (params !== undefined) message.params = params;
    this.write(`${JSON.stringify(message)}\n`);
  }

  /** Gives up on a pending request: its caller gets `error`, the other side a cancellation. */
  cancel(id: number, error: Error, reason: string): void {
    if (this.correlator.fail(id, error)) this.sendCancelled(id, reason);
  }

  /** Fails every pending request (the other side is gone). */
  close(error: Error): void {
    this.correlator.failAll(error);
  }

  private sendCancelled(id: number, reason: string): void {
    try {
      this.notify("notifications/cancelled", { requestId: id, reason });
    } catch {
      // The server is gone; its exit handler fails what is left.
    }
  }

  /** A large line: handed over unparsed when it is a valid success response for a caller that takes raw results. */
  private receiveRaw(bytes: Uint8Array): boolean {
    if (!this.correlator.anyRaw) return false;
    const scanned = scanResponse(bytes);
    if (!scanned || !this.correlator.wantsRaw(scanned.id)) return false;
    return this.correlator.settle({
      jsonrpc: "2.0",
      id: scanned.id,
      result: new RawJson(bytes, scanned.resultStart, scanned.resultEnd),
    });
  }

  private receiveLine(text: string): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.handlers.onInvalidLine(text, "not JSON");
      return;
    }
    // Revision 2025-03-26 allowed JSON-RPC batches; a server of that era may still send one.
    if (Array.isArray(value) && value.length > 0) {
      for (const item of value) this.receiveValue(item, text);
      return;
    }
    this.receiveValue(value, text);
  }

  private receiveValue(value: unknown, text: string): void {
    const sorted = classify(value);
    switch (sorted.kind) {
      case "response":
        if (!this.correlator.settle(sorted.message)) this.handlers.onUnmatchedResponse?.(sorted.message);
        return;
      case "notification":
        this.handlers.onNotification(sorted.message);
        return;
      case "request":
        void this.answer(sorted.message);
        return;
      case "invalid":
        this.handlers.onInvalidLine(text, sorted.reason);
    }
  }

  private receiveOversized(info: OversizedLine): void {
    const id = idOfOversizedLine(info);
    if (typeof id === "number") {
      this.correlator.fail(
        id,
        new MessageTooLarge(`the server's answer was ${info.bytes} bytes, over the ${this.maxMessageBytes} byte cap`, {
          bytes: info.bytes,
        }),
      );
    }
    this.handlers.onOversized?.(info, id);
  }

  private async answer(request: JsonRpcRequest): Promise<void> {
    let reply: Record<string, unknown>;
    try {
      const result = await this.handlers.onRequest(request);
      reply = { jsonrpc: "2.0", id: request.id, result: result ?? {} };
    } catch (error) {
      const remote = error instanceof RemoteError ? error : new RemoteError(ErrorCode.InternalError, "internal error in the client");
      const body: Record<string, unknown> = { code: remote.code, message: remote.message };
      if (remote.data !== undefined) body.data = remote.data;
      reply = { jsonrpc: "2.0", id: request.id, error: body };
    }
    try {
      this.write(`${JSON.stringify(reply)}\n`);
    } catch {
      // The server died before we could answer it; nothing is waiting on this.
    }
  }
}
