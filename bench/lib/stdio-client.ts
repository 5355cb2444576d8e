/**
 * The floor: a JSON-RPC client that talks to a server over its stdio pipes,
 * with nothing in between. One pending map, newline framing on bytes, no
 * validation. Used by the bench as reference (1) and by the minimal forwarder.
 *
 * @example
 *   const c = StdioClient.spawn(["node", "bench/servers/echo.mjs"]);
 *   await c.initialize();
 *   const res = await c.request("tools/call", { name: "echo", arguments: { message: "hi" } });
 *   await c.close();
 */
import type { Subprocess } from "bun";
import { childEnvironment } from "../../src/process/environment.ts";

export interface RpcResponse {
  jsonrpc: "2.0";
  id: number;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
}

export class StdioClient {
  private nextId = 1;
  private readonly pending = new Map<number, (res: RpcResponse) => void>();
  private parts: Uint8Array[] = [];
  private readonly decoder = new TextDecoder();

  private constructor(readonly proc: Subprocess<"pipe", "pipe", "inherit" | "ignore">) {
    void this.pump();
  }

  /**
   * Starts a server with the environment the station gives its servers (an allow-list), so
   * both start alike: this shell's NODE_EXTRA_CA_CERTS alone adds tens of ms to node's start.
   */
  static spawn(argv: string[], env?: Record<string, string>): StdioClient {
    const proc = Bun.spawn(argv, { stdin: "pipe", stdout: "pipe", stderr: "ignore", env: childEnvironment(env) });
    return new StdioClient(proc as Subprocess<"pipe", "pipe", "ignore">);
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** Sends `line` (one JSON-RPC request, no newline) under id `id`, for callers that build the text themselves. */
  sendRaw(id: number, line: string): Promise<RpcResponse> {
    const answer = new Promise<RpcResponse>((resolve) => this.pending.set(id, resolve));
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
    return answer;
  }

  request(method: string, params?: unknown): Promise<RpcResponse> {
    const id = this.nextId++;
    return this.sendRaw(id, JSON.stringify({ jsonrpc: "2.0", id, method, params }));
  }

  notify(method: string, params?: unknown): void {
    this.proc.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method, params })}\n`);
    this.proc.stdin.flush();
  }

  /** The legacy handshake: initialize, then notifications/initialized. */
  async initialize(): Promise<RpcResponse> {
    const res = await this.request("initialize", {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "bench-direct", version: "1.0.0" },
    });
    this.notify("notifications/initialized");
    return res;
  }

  async close(): Promise<void> {
    try {
      this.proc.stdin.end();
    } catch {}
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 2000);
    await this.proc.exited;
    clearTimeout(timer);
  }

  private async pump(): Promise<void> {
    for await (const chunk of this.proc.stdout as ReadableStream<Uint8Array>) {
      let start = 0;
      let nl = chunk.indexOf(10);
      while (nl !== -1) {
        let line: Uint8Array = chunk.subarray(start, nl);
        if (this.parts.length) {
          this.parts.push(line);
          line = Buffer.concat(this.parts);
          this.parts = [];
        }
        this.deliver(line);
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      if (start < chunk.length) this.parts.push(chunk.slice(start));
    }
  }

  private deliver(line: Uint8Array): void {
    let msg: RpcResponse;
    try {
      msg = JSON.parse(this.decoder.decode(line));
    } catch {
      return;
    }
    const resolve = this.pending.get(msg.id);
    if (!resolve) return;
    this.pending.delete(msg.id);
    resolve(msg);
  }
}
