/**
 * A cluster of real station processes on loopback ports, on a table prefix
 * of its own in the test PostgreSQL, with a short lease. Sessions run the
 * session-lock fixture: each knows a token only its session has, and holds
 * a kernel lock named after it, so a second copy of a session records itself
 * in doubles.log (test/fixtures/session-lock.sh). teardown() stops every
 * station, kills any fixture left (found in /proc by its LOCK_DIR) and drops
 * the tables.
 *
 * @example
 *   const cluster = await TestCluster.start(3);
 *   const { id, token } = await cluster.createSession(cluster.nodes[0]);
 *   await cluster.teardown();
 */
import { SQL } from "bun";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { POSTGRES_URL } from "../ops/support.ts";
import { fixture } from "../setup/paths.ts";
import { LineDecoder } from "../../src/jsonrpc/line-decoder.ts";
import { REPO_ROOT } from "../setup/paths.ts";
import { FROM_SOURCE } from "../support/station-process.ts";

export const SECRET = "test-cluster-secret-0123456789";

export interface ClusterNodeProcess {
  nodeId: string;
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  pid: number;
  /** Log lines read so far (JSON objects). */
  logs: Record<string, unknown>[];
  /** The node's stderr so far. */
  stderr(): string;
}

export interface Call {
  status: number;
  body: any;
  headers: Headers;
}

export class TestCluster {
  readonly prefix = `c${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}_`;
  readonly lockDir = mkdtempSync(join(tmpdir(), "cluster-locks-"));
  readonly nodes: ClusterNodeProcess[] = [];
  private readonly all: ClusterNodeProcess[] = [];

  private constructor(
    readonly leaseMs: number,
    readonly env: Record<string, string>,
  ) {}

  /** `together`: all nodes start at the same moment (on a fresh prefix they race to create the tables). */
  static async start(
    count: number,
    options: { leaseMs?: number; env?: Record<string, string>; together?: boolean } = {},
  ): Promise<TestCluster> {
    const cluster = new TestCluster(options.leaseMs ?? 1500, options.env ?? {});
    const ids = Array.from({ length: count }, (_, i) => `node-${i + 1}`);
    if (options.together) cluster.nodes.push(...(await Promise.all(ids.map((id) => cluster.startNode(id)))));
    else for (const id of ids) cluster.nodes.push(await cluster.startNode(id));
    return cluster;
  }

  /** Starts a station as `nodeId` on a free loopback port and waits until it has joined (or exited). */
  async startNode(nodeId: string, env: Record<string, string> = {}): Promise<ClusterNodeProcess> {
    const proc = Bun.spawn(FROM_SOURCE, {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: process.env.HOME ?? "/tmp",
        MCP_STATION_HOST: "127.0.0.1",
        MCP_STATION_PORT: "0",
        MCP_STATION_PERSISTENCE: "on",
        MCP_STATION_DATABASE_URL: POSTGRES_URL,
        MCP_STATION_TABLE_PREFIX: this.prefix,
        MCP_STATION_NODE_ID: nodeId,
        MCP_STATION_CLUSTER_SECRET: SECRET,
        MCP_STATION_LEASE_TTL_MS: String(this.leaseMs),
        // Room for a dead node's sessions on top of a node's own.
        MCP_STATION_MAX_SESSIONS: "500",
        ...this.env,
        ...env,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const logs: Record<string, unknown>[] = [];
    let stderr = "";
    const lines = new LineDecoder(
      {
        line: (line: string) => {
          try {
            logs.push(JSON.parse(line));
          } catch {}
        },
        oversized: () => {},
      },
      Number.POSITIVE_INFINITY,
      Number.POSITIVE_INFINITY,
      true,
    );
    void (async () => {
      for await (const chunk of proc.stdout) lines.push(chunk);
    })();
    const errDone = (async () => {
      for await (const chunk of proc.stderr) stderr += new TextDecoder().decode(chunk);
    })();
    const node: ClusterNodeProcess = { nodeId, proc, url: "", pid: proc.pid, logs, stderr: () => stderr };
    this.all.push(node);
    try {
      const listening = await waitForLog(node, "mcp-station listening");
      node.url = `http://127.0.0.1:${listening.port}`;
      await waitForLog(node, "cluster: joined");
    } catch (error) {
      await proc.exited;
      await errDone;
      if (proc.exitCode === null) throw error;
    }
    return node;
  }

  /** Creates a session on `node` running the session-lock fixture with a fresh token. */
  async createSession(node: { url: string }): Promise<{ id: string; token: string }> {
    const token = crypto.randomUUID();
    const res = await call(node, "POST", "/sessions", {
      server_type: "command",
      server_command: "bash",
      server_args: [fixture("session-lock.sh")],
      env_vars: { SESSION_TOKEN: token, LOCK_DIR: this.lockDir },
    });
    if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { id: res.body.session_id, token };
  }

  /** Calls the session's token tool through `node` with /mcp/request. */
  tokenOf(node: { url: string }, id: string): Promise<Call> {
    return call(node, "POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name: "token", arguments: {} } });
  }

  /** Second copies the fixtures recorded (empty when every session ran once at a time). */
  doubles(): string[] {
    try {
      return readFileSync(join(this.lockDir, "doubles.log"), "utf8").trim().split("\n").filter(Boolean);
    } catch {
      return [];
    }
  }

  /**
   * Running session-lock fixtures of this cluster, by token (read from /proc): a /proc check of "never two
   * copies". A fixture's own child (bash forking to run flock(1)) carries its parent's command line and
   * environment for a moment, so a process whose parent is a fixture of the same token is not counted.
   */
  runningServers(): Map<string, number[]> {
    const byToken = new Map<string, number[]>();
    const parents = new Map<number, number>();
    for (const entry of readdirSync("/proc")) {
      const pid = Number(entry);
      if (!Number.isInteger(pid)) continue;
      let environ: string;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z") continue;
        parents.set(pid, Number(fields[1]));
        environ = readFileSync(`/proc/${pid}/environ`, "utf8");
      } catch {
        continue;
      }
      const vars = environ.split("\0");
      if (!vars.includes(`LOCK_DIR=${this.lockDir}`)) continue;
      const token = vars.find((v) => v.startsWith("SESSION_TOKEN="))?.slice(14);
      // Only the fixture itself: its flock(1) helper is gone once the lock is taken.
      if (!token || !readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("session-lock.sh")) continue;
      byToken.set(token, [...(byToken.get(token) ?? []), pid]);
    }
    for (const [token, pids] of byToken)
      byToken.set(
        token,
        pids.filter((pid) => !pids.includes(parents.get(pid)!)),
      );
    return byToken;
  }

  async teardown(): Promise<void> {
    await Promise.all(
      this.all.map(async (node) => {
        if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
        node.proc.kill("SIGCONT");
        node.proc.kill("SIGTERM");
        const stopped = await Promise.race([node.proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
        if (!stopped) node.proc.kill("SIGKILL");
      }),
    );
    for (const pids of this.runningServers().values()) for (const pid of pids) process.kill(pid, "SIGKILL");
    rmSync(this.lockDir, { recursive: true, force: true });
    const sql = new SQL(POSTGRES_URL, { max: 1 });
    try {
      await sql.unsafe(
        `drop table if exists ${this.prefix}cluster_nodes, ${this.prefix}tenant_claims, ${this.prefix}sessions, ${this.prefix}status_history, ${this.prefix}instances, ${this.prefix}schema`,
      );
      await sql.unsafe(`drop function if exists ${this.prefix}directory_notify() cascade`);
    } finally {
      await sql.close();
    }
  }
}

export async function call(
  node: { url: string },
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Call> {
  const res = await fetch(`${node.url}${path}`, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The value of one sample of `node`'s /metrics (0 when absent), e.g. metric(node, 'mcp_station_cluster_fences_total'). */
export async function metric(node: { url: string }, sample: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${node.url}/metrics`, { headers });
  if (!res.ok) throw new Error(`GET /metrics answered ${res.status}`);
  const text = await res.text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** Resolves with the first log line of `node` whose msg is `msg` (and whose fields match `where`). */
export async function waitForLog(
  node: Pick<ClusterNodeProcess, "logs" | "proc">,
  msg: string,
  where: Record<string, unknown> = {},
  timeoutMs = 20_000,
  from = 0,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = node.logs.slice(from).find((line) => line.msg === msg && Object.entries(where).every(([k, v]) => line[k] === v));
    if (found) return found;
    if (node.proc.exitCode !== null || node.proc.signalCode !== null) throw new Error(`node exited before logging "${msg}"`);
    await Bun.sleep(25);
  }
  throw new Error(`no "${msg}" log line within ${timeoutMs} ms`);
}

/** Repeats `probe` until it returns a value (not undefined), or throws after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}
