// A minimal test-side client for fixture servers: spawns a process with Bun.spawn, writes JSON lines
// to its stdin, and lets a test wait (event-driven, with a deadline) for stdout messages and stderr text.
// Every peer is remembered; call killAllPeers() in afterEach/afterAll so no process is left behind.
// Lines are split by the station's own LineDecoder, so a fixture is read the way the station reads it.
import type { Subprocess } from "bun";
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";

export type Json = any;

export interface PeerOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Own process group (setsid); kill() then kills the whole group. Use for fixtures that fork. */
  detached?: boolean;
}

const DEFAULT_WAIT_MS = 20_000;
const all = new Set<StdioPeer>();

interface Waiter {
  check: () => boolean;
}

export class StdioPeer {
  readonly proc: Subprocess<"pipe", "pipe", "pipe">;
  readonly cmd: string[];
  /** Every complete non-empty stdout line, in order (without the newline, or a CR before it). */
  readonly lines: string[] = [];
  /** Every stdout line that parsed as JSON, in order. */
  readonly messages: Json[] = [];
  stdoutBytes = 0;
  /** The bytes after the last newline: the line being written. */
  private unterminated: Uint8Array[] = [];
  // No limit on a line (fixtures write 8 MiB ones), and no copy: each read of a Bun pipe is a fresh buffer.
  private readonly lineDecoder = new LineDecoder(
    { line: (line) => this.receiveLine(line), oversized: () => {} },
    Number.POSITIVE_INFINITY,
    Number.POSITIVE_INFINITY,
    true,
  );
  stderr = "";
  stderrBytes = 0;
  readonly exited: Promise<number>;
  private taken = new Set<number>();
  private waiters = new Set<Waiter>();
  private detached: boolean;
  private nextId = 1000;

  constructor(cmd: string[], opts: PeerOptions = {}) {
    this.cmd = cmd;
    this.detached = !!opts.detached;
    this.proc = Bun.spawn(cmd, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : undefined,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      detached: opts.detached,
    }) as Subprocess<"pipe", "pipe", "pipe">;
    all.add(this);
    this.exited = this.proc.exited.then((code) => {
      this.notify();
      return code;
    });
    void this.pumpStdout();
    void this.pumpStderr();
  }

  get pid(): number {
    return this.proc.pid;
  }

  private notify() {
    for (const w of [...this.waiters]) w.check();
  }

  /** The current unterminated stdout line (text after the last newline). */
  get partialLine(): string {
    return new TextDecoder().decode(Buffer.concat(this.unterminated));
  }

  private receiveLine(line: string) {
    this.lines.push(line);
    try {
      this.messages.push(JSON.parse(line));
    } catch {
      // not JSON: kept in `lines` only
    }
  }

  private async pumpStdout() {
    try {
      for await (const chunk of this.proc.stdout) {
        this.stdoutBytes += chunk.byteLength;
        this.lineDecoder.push(chunk);
        const newline = chunk.lastIndexOf(0x0a);
        if (newline === -1) this.unterminated.push(chunk);
        else this.unterminated = [chunk.subarray(newline + 1)];
        this.notify();
      }
    } catch {
      // stream torn down by kill
    }
  }

  private async pumpStderr() {
    const dec = new TextDecoder();
    try {
      for await (const chunk of this.proc.stderr) {
        this.stderrBytes += chunk.byteLength;
        this.stderr += dec.decode(chunk, { stream: true });
        this.notify();
      }
    } catch {
      // ignore
    }
  }

  /** Resolves once `cond()` is true (re-checked on every stdout/stderr chunk and on exit). */
  until<T>(cond: () => T | undefined | false, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const first = cond();
      if (first) return resolve(first);
      const w: Waiter = {
        check: () => {
          let v: T | undefined | false;
          try {
            v = cond();
          } catch (e) {
            finish();
            reject(e);
            return true;
          }
          if (v) {
            finish();
            resolve(v);
            return true;
          }
          return false;
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what} from ${this.cmd.join(" ")}\n` +
              `exitCode=${this.proc.exitCode} stdout lines=${this.lines.length}\n` +
              `last stdout: ${this.lines.slice(-3).join("\n").slice(0, 2000)}\nstderr tail: ${this.stderr.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      this.waiters.add(w);
    });
  }

  /** First not-yet-taken stdout message matching `pred`; marks it taken. */
  waitMessage(pred: (m: Json) => boolean, what = "a message", timeoutMs?: number): Promise<Json> {
    return this.until(
      () => {
        for (let i = 0; i < this.messages.length; i++) {
          if (!this.taken.has(i) && pred(this.messages[i])) {
            this.taken.add(i);
            return { m: this.messages[i] };
          }
        }
        return undefined;
      },
      what,
      timeoutMs,
    ).then((x) => x.m);
  }

  /** The response (result or error) to request `id`. */
  response(id: Json, timeoutMs?: number): Promise<Json> {
    return this.waitMessage(
      (m) => m && m.id === id && typeof m.method !== "string" && ("result" in m || "error" in m),
      `the response to id ${JSON.stringify(id)}`,
      timeoutMs,
    );
  }

  /** A request sent by the server (has id and method). */
  serverRequest(method: string, timeoutMs?: number): Promise<Json> {
    return this.waitMessage((m) => m && m.method === method && "id" in m, `server request ${method}`, timeoutMs);
  }

  notification(method: string, timeoutMs?: number): Promise<Json> {
    return this.waitMessage((m) => m && m.method === method && !("id" in m), `notification ${method}`, timeoutMs);
  }

  waitStderr(match: string | RegExp, timeoutMs?: number): Promise<string> {
    return this.until(
      () => (typeof match === "string" ? this.stderr.includes(match) : match.test(this.stderr)) && this.stderr,
      `stderr ${String(match)}`,
      timeoutMs,
    );
  }

  sendRaw(line: string) {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  send(msg: Json) {
    this.sendRaw(JSON.stringify(msg));
  }

  /** Sends a request (id auto-assigned unless given) and returns its response. */
  async request(method: string, params?: Json, id?: Json, timeoutMs?: number): Promise<Json> {
    const rid = id ?? this.nextId++;
    this.send(params === undefined ? { jsonrpc: "2.0", id: rid, method } : { jsonrpc: "2.0", id: rid, method, params });
    return this.response(rid, timeoutMs);
  }

  sendNotification(method: string, params?: Json) {
    this.send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params });
  }

  /** Legacy handshake: initialize + notifications/initialized; returns the initialize response. */
  async initialize(protocolVersion = "2025-11-25", capabilities: Json = {}): Promise<Json> {
    const res = await this.request("initialize", {
      protocolVersion,
      capabilities,
      clientInfo: { name: "fixtures-test", version: "0.0.0" },
    });
    if (res.result) this.sendNotification("notifications/initialized");
    return res;
  }

  closeStdin() {
    this.proc.stdin.end();
  }

  isAlive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** SIGKILL the process (its whole process group when spawned detached) and wait for it. */
  async kill(): Promise<void> {
    try {
      if (this.detached) process.kill(-this.proc.pid, "SIGKILL");
      else this.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
    await this.proc.exited;
    all.delete(this);
  }
}

export function spawnPeer(cmd: string[], opts?: PeerOptions): StdioPeer {
  return new StdioPeer(cmd, opts);
}

export async function killAllPeers(): Promise<void> {
  await Promise.all([...all].map((p) => p.kill()));
}

/** Whether a pid is a live (non-zombie) process. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = require("node:fs").readFileSync(`/proc/${pid}/stat`, "utf8") as string;
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return true;
  }
}

/** Modern (2026-07-28) request _meta. */
export function modernMeta(capabilities: Json = {}, version = "2026-07-28"): Json {
  return {
    "io.modelcontextprotocol/protocolVersion": version,
    "io.modelcontextprotocol/clientCapabilities": capabilities,
  };
}

/** The discover probe, exactly as the brief for the fixture tests states it. */
export const DISCOVER_PROBE = {
  jsonrpc: "2.0",
  id: 1,
  method: "server/discover",
  params: { _meta: modernMeta() },
};
