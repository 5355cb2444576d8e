/**
 * The processes a bench starts and measures: the station (the real src/index.ts, or a compiled
 * binary), the minimal forwarder, and other gateways (bench/peers); what /proc says about them
 * (memory, CPU time, process trees); and stopping them, each with everything it started.
 *
 * Importing this file arms the clean-up: a bench that is interrupted (Ctrl-C, a timeout's
 * SIGTERM) takes the processes it started down with it.
 *
 * @example
 *   const station = await startStation({ env: { LOG_LEVEL: "warn" } });
 *   memoryOf(station.pid).rssKb; cpuMsOf(station.pid);
 *   await station.stop();
 */
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";

export const ROOT = join(import.meta.dir, "..", "..");

/**
 * What this bench started and has not stopped. Each stops its own servers on SIGTERM (a gateway
 * that would not is SIGKILLed with its tree by stopTree), so nothing of the run is left behind.
 */
const started = new Set<Subprocess>();
const stopAll = (signal: NodeJS.Signals) => {
  for (const proc of started) proc.kill(signal);
};
process.on("exit", () => stopAll("SIGTERM"));
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopAll("SIGTERM");
    process.exit(130);
  });
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses): [0] is the state. */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
}

export interface Memory {
  rssKb: number;
  peakKb: number;
}

/** VmRSS and VmHWM (the peak since start, or since the last resetPeak); 0 for a process that is gone, so sums over a tree hold. */
export function memoryOf(pid: number): Memory {
  const status = read(`/proc/${pid}/status`) ?? "";
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  return { rssKb: kb("VmRSS"), peakKb: kb("VmHWM") };
}

/** CPU time (user + system) a process has used so far, in ms; 0 for a process that is gone. */
export function cpuMsOf(pid: number): number {
  const fields = statFields(pid);
  // utime and stime are fields 14 and 15 (1-based), in clock ticks (100 per second on Linux).
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : 0;
}

/** Resets VmHWM to the current RSS (Linux: writing 5 to clear_refs). False where not allowed. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

/** Whether a pid is a live process (a zombie is not). */
export const alive = (pid: number): boolean => {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== "Z";
};

/** Every live process's parent. */
export function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    const ppid = Number.isInteger(pid) ? statFields(pid)?.[1] : undefined;
    if (ppid !== undefined) map.set(pid, Number(ppid));
  }
  return map;
}

/** root and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (pid !== root || statFields(pid)) tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/**
 * Stops a process the way its users would (SIGTERM, so it can stop its servers), then SIGKILLs
 * whatever of the tree recorded beforehand is still alive: some gateways put their servers in
 * process groups of their own, which a signal to the gateway's group would miss.
 */
export async function stopTree(proc: Subprocess, graceMs = 15_000): Promise<void> {
  const tree = processTree(proc.pid);
  proc.kill("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(alive)) await Bun.sleep(25);
  for (const pid of tree.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
  await proc.exited;
}

export interface Running {
  pid: number;
  url: string;
  proc: Subprocess;
  stop(): Promise<void>;
}

/**
 * Spawns a process this bench is responsible for stopping: its stdout piped to find its port, all
 * its output discarded, or its stdout and stderr written to an open file descriptor.
 */
function spawnTracked(argv: string[], output: "pipe" | "ignore" | number, env: Record<string, string> = {}): Subprocess {
  const stdio: ["ignore", "pipe" | "ignore" | number, "inherit" | "ignore" | number] =
    output === "pipe" ? ["ignore", "pipe", "inherit"] : ["ignore", output, output];
  const proc = Bun.spawn(argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio });
  started.add(proc);
  void proc.exited.then(() => started.delete(proc));
  return proc;
}

/** Starts a gateway that listens where `argv` tells it, at `url`; its output is of no use (each runs at its quietest log level). */
export function startGateway(argv: string[], url: string): Running {
  const proc = spawnTracked(argv, "ignore");
  return { pid: proc.pid, url, proc, stop: () => stopTree(proc, 5000) };
}

/**
 * Reads stdout lines until `match` finds what it wants, then keeps draining in the background. A
 * process that ends first, or finds nothing in 30 s, is stopped: it must not keep the bench alive.
 */
async function waitForLine(proc: Subprocess, match: (line: string) => string | undefined, what: string): Promise<string> {
  let found: string | undefined;
  const sink = {
    line: (line: string) => {
      found ??= match(line);
    },
    oversized: () => {},
  };
  const lines = new LineDecoder(sink, 1 << 20, Number.POSITIVE_INFINITY, true);
  const reader = (proc.stdout as ReadableStream<Uint8Array>).getReader();
  let timedOut = false;
  const timeout = setTimeout(() => {
    timedOut = true;
    void reader.cancel();
  }, 30_000);
  while (found === undefined) {
    const { done, value } = await reader.read();
    if (done) {
      clearTimeout(timeout);
      await stopTree(proc, 5000);
      throw new Error(timedOut ? `${what} did not start in 30 s` : `${what} ended before it was ready (exit ${proc.exitCode})`);
    }
    lines.push(value);
  }
  clearTimeout(timeout);
  // Keep draining: the station logs audit lines, and a full pipe would stall it.
  void (async () => {
    try {
      while (!(await reader.read()).done) {}
    } catch {}
  })();
  return found;
}

export interface StationOptions {
  env?: Record<string, string>;
  /** A compiled station to run instead of `bun src/index.ts`. */
  binary?: string;
  /**
   * Listen on this port and return at once, without waiting for the log line that names the port:
   * for a caller that times the start itself, and for a station at LOG_LEVEL=warn, which does not
   * write that line.
   */
  port?: number;
  /** With `port`: the station's stdout and stderr are appended to this file instead of discarded. */
  logFile?: string;
}

export async function startStation(options: StationOptions = {}): Promise<Running> {
  if (options.binary && !existsSync(options.binary)) throw new Error(`${options.binary} was not built`);
  // BENCH_STATION_FLAGS: extra bun flags for the station, e.g. "--cpu-prof-md --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_STATION_FLAGS ?? "").split(" ").filter(Boolean);
  const argv = options.binary ? [options.binary] : [process.execPath, ...flags, join(ROOT, "src", "index.ts")];
  // Persistence stays on, as shipped, but each station gets a store of its own: started from the
  // repository, it would share (and restore) the sessions in ./data, and a station starting ends
  // the server groups recorded there, which would be another live station's.
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-station-bench-"));
  const env = { MCP_STATION_PORT: String(options.port ?? 0), MCP_STATION_HOST: "127.0.0.1", MCP_STATION_DATA_DIR: dataDir, ...options.env };
  const log = options.port && options.logFile ? openSync(options.logFile, "a") : undefined;
  const proc = spawnTracked(argv, log ?? (options.port ? "ignore" : "pipe"), env);
  if (log !== undefined) closeSync(log);
  const stop = async () => {
    await stopTree(proc);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const listening = (line: string) => (line.includes("mcp-station listening") ? String(JSON.parse(line).port) : undefined);
  const port =
    options.port ??
    (await waitForLine(proc, listening, "the station").catch((error) => {
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }));
  return { pid: proc.pid, url: `http://127.0.0.1:${port}`, proc, stop };
}

/** A port free now, for a process that must be told where to listen. */
export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

export async function startForwarder(sessions: number, serverArgv: string[]): Promise<Running> {
  return startReference([join(ROOT, "bench", "forwarder.ts"), String(sessions)], serverArgv, "the forwarder");
}

/** The forwarder on Elysia with the station's route model (bench/elysia-forwarder.ts): what the framework costs. */
export async function startElysiaForwarder(serverArgv: string[]): Promise<Running> {
  return startReference([join(ROOT, "bench", "elysia-forwarder.ts")], serverArgv, "the Elysia forwarder");
}

async function startReference(script: string[], serverArgv: string[], what: string): Promise<Running> {
  const proc = spawnTracked([process.execPath, ...script, "--", ...serverArgv], "pipe");
  const port = await waitForLine(proc, (line) => /^listening (\d+)/.exec(line)?.[1], what);
  return { pid: proc.pid, url: `http://127.0.0.1:${port}`, proc, stop: () => stopTree(proc) };
}
