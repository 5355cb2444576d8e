/**
 * The floor: a JSON-RPC client that talks to a server over its stdio pipes, with nothing in
 * between. One pending map, the station's own newline framing (src/jsonrpc/line-decoder.ts), no
 * validation; many requests in flight on the one pipe at once, told apart by their ids, as every
 * gateway must. Used by both benches as their "direct" path and by the minimal forwarder.
 *
 * @example
 *   const c = StdioClient.spawn(["node", "bench/servers/echo.mjs"]);
 *   await c.initialize();
 *   const res = await c.request("tools/call", { name: "echo", arguments: { message: "hi" } });
 *   await c.close();
 */
import type { Subprocess } from "bun";
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";
import { childEnvironment } from "../../src/process/environment.ts";
import { type Call, CallFailure, checkAnswer, type Deadline, type ToolLoad } from "./load.ts";

export interface RpcResponse {
  jsonrpc: "2.0";
  id: number;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
}

interface Pending {
  resolve(response: RpcResponse): void;
  reject(error: Error): void;
}

export class StdioClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited = false;
  // No limit on a line (the bench's 16 MiB results are lines), and no copy: each read of a Bun
  // pipe is a fresh buffer.
  private readonly lines = new LineDecoder(
    { line: (text) => this.deliver(text), oversized: () => {} },
    Number.POSITIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    true,
  );

  private constructor(readonly proc: Subprocess<"pipe", "pipe", "ignore">) {
    void this.pump();
  }

  /**
   * Starts a server, by default with the environment the station gives its servers (an
   * allow-list), so both start alike: this shell's NODE_EXTRA_CA_CERTS alone adds tens of ms to
   * node's start.
   */
  static spawn(argv: string[], env: Record<string, string | undefined> = childEnvironment(undefined)): StdioClient {
    const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore", env });
    return new StdioClient(proc);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Sends a request; the answer is its response, or a CallFailure once `deadline` passes or the server exits. */
  request(method: string, params?: unknown, deadline?: Deadline): Promise<RpcResponse> {
    const id = this.nextId++;
    return new Promise<RpcResponse>((resolve, reject) => {
      if (this.exited) return reject(new CallFailure("missing", "server exited"));
      this.pending.set(id, { resolve, reject });
      deadline?.onExpiry(() => {
        if (this.pending.delete(id)) reject(new CallFailure("missing", `id ${id}: no answer before the deadline`));
      });
      this.write({ jsonrpc: "2.0", id, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    this.write({ jsonrpc: "2.0", method, params });
  }

  /** The legacy handshake: initialize, then notifications/initialized. */
  async initialize(protocolVersion = "2025-11-25", clientName = "bench-direct"): Promise<RpcResponse> {
    const res = await this.request("initialize", { protocolVersion, capabilities: {}, clientInfo: { name: clientName, version: "1.0.0" } });
    if (!res.result) throw new Error(`initialize failed: ${JSON.stringify(res)}`);
    this.notify("notifications/initialized");
    return res;
  }

  /** A Call that sends `tool`'s tools/call for each request and checks its answer. */
  toolCall(tool: ToolLoad): Call {
    return async (id, deadline) => checkAnswer(await this.request("tools/call", tool.params(id), deadline), tool, id);
  }

  async close(): Promise<void> {
    try {
      this.proc.stdin.end();
    } catch {}
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 3000);
    await this.proc.exited;
    clearTimeout(timer);
  }

  private write(message: object): void {
    // Every write to a child is guarded: one that has died raises EPIPE.
    try {
      this.proc.stdin.write(`${JSON.stringify(message)}\n`);
      this.proc.stdin.flush();
    } catch {}
  }

  private async pump(): Promise<void> {
    try {
      for await (const chunk of this.proc.stdout) this.lines.push(chunk);
    } catch {}
    this.exited = true;
    for (const waiter of this.pending.values()) waiter.reject(new CallFailure("missing", "server exited"));
    this.pending.clear();
  }

  private deliver(line: string): void {
    let msg: RpcResponse & { method?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof msg.id !== "number" || msg.method !== undefined) return;
    const waiter = this.pending.get(msg.id);
    if (!waiter) return;
    this.pending.delete(msg.id);
    waiter.resolve(msg);
  }
}
