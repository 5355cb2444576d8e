/**
 * Runs the station as a separate process (from source or the compiled
 * binary), the way users run it, and finds its port from its first log line.
 */
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";
import { REPO_ROOT } from "../setup/paths.ts";

export const BUN = process.execPath;
export const FROM_SOURCE = [BUN, `${REPO_ROOT}/src/index.ts`];

export interface StationProcess {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  pid: number;
  /** Log lines read so far (JSON objects). */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function spawnStation(
  argv: string[] = FROM_SOURCE,
  env: Record<string, string> = {},
  cwd: string = REPO_ROOT,
): Promise<StationProcess> {
  const proc = Bun.spawn(argv, {
    cwd,
    // Persistence off unless a test asks for it: a station started from the repository would
    // otherwise record its sessions in ./data and the next test's station would restore them.
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      MCP_STATION_PORT: "0",
      MCP_STATION_HOST: "127.0.0.1",
      MCP_STATION_PERSISTENCE: "off",
      ...env,
    },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: Record<string, unknown>[] = [];
  let resolvePort!: (port: number) => void;
  const port = new Promise<number>((resolve) => {
    resolvePort = resolve;
  });
  const readLine = (line: string) => {
    try {
      const record = JSON.parse(line);
      logs.push(record);
      if (record.msg === "mcp-station listening") resolvePort(record.port);
    } catch {}
  };
  const lines = new LineDecoder({ line: readLine, oversized: () => {} }, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, true);
  void (async () => {
    for await (const chunk of proc.stdout) lines.push(chunk);
  })();
  const exited = proc.exited.then(async (code) => {
    throw new Error(`station exited early (${code}): ${await new Response(proc.stderr).text()}`);
  });
  const found = await Promise.race([port, exited]);
  return {
    proc,
    url: `http://127.0.0.1:${found}`,
    pid: proc.pid,
    logs,
    stop: async (signal = "SIGTERM") => {
      proc.kill(signal);
      return proc.exited;
    },
  };
}

export async function json(url: string, init?: RequestInit & { json?: unknown }): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    ...init,
    headers: { "content-type": "application/json", ...(init?.headers ?? {}) },
    body: init?.json !== undefined ? JSON.stringify(init.json) : init?.body,
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}
