/**
 * The baseline: the bench talks to the echo server over its stdio directly, with no gateway. Many
 * requests are in flight on the one pipe at once, told apart by their ids, as every gateway must.
 *
 * @example
 *   const direct = await openStdio(["node", "bench/peers/servers/sdk-echo.mjs"]);
 *   await direct.call("token-1", 1, AbortSignal.timeout(5000));
 *   await direct.close();
 */
import { CallFailure, type EchoCall, freshId } from "./load.ts";

interface Pending {
  resolve: (message: Record<string, unknown>) => void;
  reject: (error: Error) => void;
}

export interface StdioEcho {
  call: EchoCall;
  pid: number;
  close(): Promise<void>;
}

export async function openStdio(command: string[]): Promise<StdioEcho> {
  const child = Bun.spawn(command, { stdin: "pipe", stdout: "pipe", stderr: "ignore" });
  const pending = new Map<number, Pending>();
  let closed = false;

  const send = (message: object) => {
    if (closed) throw new CallFailure("missing", "server closed");
    child.stdin.write(`${JSON.stringify(message)}\n`);
    child.stdin.flush();
  };
  const request = (id: number, method: string, params: object, signal?: AbortSignal) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      signal?.addEventListener("abort", () => {
        pending.delete(id);
        reject(new CallFailure("missing", `id ${id}: no answer before the deadline`));
      });
      try {
        send({ jsonrpc: "2.0", id, method, params });
      } catch (error) {
        pending.delete(id);
        reject(error as Error);
      }
    });

  (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of child.stdout) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line) as Record<string, unknown>;
        if (typeof message.id !== "number" || message.method !== undefined) continue;
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        waiter?.resolve(message);
      }
    }
    closed = true;
    for (const waiter of pending.values()) waiter.reject(new CallFailure("missing", "server exited"));
    pending.clear();
  })();

  const initialize = await request(freshId(), "initialize", {
    protocolVersion: "2025-03-26",
    capabilities: {},
    clientInfo: { name: "bench-peers", version: "1.0.0" },
  });
  if (!initialize.result) throw new Error(`initialize failed: ${JSON.stringify(initialize)}`);
  send({ jsonrpc: "2.0", method: "notifications/initialized" });

  const call: EchoCall = async (token, id, signal) => {
    const answer = await request(id, "tools/call", { name: "echo", arguments: { text: token } }, signal);
    if (answer.id !== id) throw new CallFailure("crossed", `sent id ${id}, got ${JSON.stringify(answer.id)}`);
    const error = answer.error as { code: number; message: string } | undefined;
    if (error) throw new CallFailure("rpc", `${error.code} ${error.message}`);
    const text = (answer.result as { content?: { text?: string }[] })?.content?.[0]?.text;
    if (text !== token) throw new CallFailure("crossed", `sent ${token}, got ${JSON.stringify(text)}`);
  };

  return {
    call,
    pid: child.pid,
    async close() {
      child.stdin.end();
      const exited = await Promise.race([child.exited.then(() => true), Bun.sleep(3000).then(() => false)]);
      if (!exited) child.kill("SIGKILL");
      await child.exited;
    },
  };
}
