/**
 * The processes the bench measures: the station (the real src/index.ts, or the
 * compiled binary with --binary) and the minimal forwarder, each its own
 * process so its memory is read from /proc/<pid>/status.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const ROOT = join(import.meta.dir, "..", "..");

/**
 * Stations and forwarders this bench started and has not stopped. A bench that is
 * interrupted (Ctrl-C, a timeout's SIGTERM) takes them down with it: each stops its
 * own servers on SIGTERM, so nothing of the run is left behind.
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
function track(proc: Subprocess): void {
  started.add(proc);
  void proc.exited.then(() => started.delete(proc));
}

export interface Memory {
  rssKb: number;
  peakKb: number;
}

/** VmRSS and VmHWM (the peak since start, or since the last resetPeak) of a live process. */
export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssKb: kb("VmRSS"), peakKb: kb("VmHWM") };
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 (1-based), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
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

export interface Running {
  pid: number;
  url: string;
  proc: Subprocess;
  stop(): Promise<void>;
}

/** Reads stdout lines until `match` finds what it wants, then keeps draining in the background. */
async function waitForLine(stream: ReadableStream<Uint8Array>, match: (line: string) => string | undefined, what: string): Promise<string> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const timeout = setTimeout(() => reader.cancel(`${what} did not start in 30 s`), 30_000);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${what} ended before it was ready:\n${buf}`);
    buf += decoder.decode(value, { stream: true });
    for (const line of buf.split("\n")) {
      const found = match(line);
      if (found !== undefined) {
        clearTimeout(timeout);
        // Keep draining: the station logs audit lines, and a full pipe would stall it.
        void (async () => {
          try {
            while (!(await reader.read()).done) {}
          } catch {}
        })();
        return found;
      }
    }
  }
}

async function stopProcess(proc: Subprocess): Promise<void> {
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  await proc.exited;
  clearTimeout(timer);
}

export interface StationOptions {
  env?: Record<string, string>;
  binary?: boolean;
}

export async function startStation(options: StationOptions = {}): Promise<Running> {
  const binary = join(ROOT, "dist", "mcp-station");
  // BENCH_STATION_FLAGS: extra bun flags for the station, e.g. "--cpu-prof-md --cpu-prof-dir=/tmp/prof".
  const flags = (process.env.BENCH_STATION_FLAGS ?? "").split(" ").filter(Boolean);
  const argv = options.binary && existsSync(binary) ? [binary] : [process.execPath, ...flags, join(ROOT, "src", "index.ts")];
  // Persistence stays on, as shipped, but each station gets a store of its own: started from the
  // repository, it would otherwise share (and restore) the sessions in ./data.
  const dataDir = mkdtempSync(join(tmpdir(), "mcp-station-bench-"));
  const proc = Bun.spawn(argv, {
    cwd: ROOT,
    env: {
      ...(process.env as Record<string, string>),
      MCP_STATION_PORT: "0",
      MCP_STATION_HOST: "127.0.0.1",
      MCP_STATION_DATA_DIR: dataDir,
      ...options.env,
    },
    stdout: "pipe",
    stderr: "inherit",
  });
  track(proc);
  const port = await waitForLine(
    proc.stdout,
    (line) => {
      if (!line.includes("mcp-station listening")) return undefined;
      return String(JSON.parse(line).port);
    },
    "the station",
  );
  return {
    pid: proc.pid,
    url: `http://127.0.0.1:${port}`,
    proc,
    stop: async () => {
      await stopProcess(proc);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startForwarder(sessions: number, serverArgv: string[]): Promise<Running> {
  const proc = Bun.spawn([process.execPath, join(ROOT, "bench", "forwarder.ts"), String(sessions), "--", ...serverArgv], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "inherit",
  });
  track(proc);
  const port = await waitForLine(proc.stdout, (line) => /^listening (\d+)/.exec(line)?.[1], "the forwarder");
  return { pid: proc.pid, url: `http://127.0.0.1:${port}`, proc, stop: () => stopProcess(proc) };
}
