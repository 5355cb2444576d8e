/**
 * Remote MCP servers for the tests, each its own process listening on
 * loopback: the official SDKs' Streamable HTTP transports, server-everything's
 * and the Python SDK's. A server is ready once its port accepts a
 * connection; it can be stopped and started again on the same port (a remote
 * that goes away and comes back).
 */
import { connect } from "node:net";
import { EVERYTHING_ENTRY, PYTHON_MCP1, PYTHON_MCP2, REPO_ROOT, fixture } from "../setup/paths.ts";

export type RemoteKind =
  | "sdk-v1"
  | "sdk-v2"
  | "python-mcp2"
  | "python-mcp1"
  | "everything"
  | "everything-sse"
  | "sdk-v1-oauth"
  | "oauth-as";

const BUN = `${REPO_ROOT}/node_modules/.bin/bun`;

const COMMANDS: Record<RemoteKind, { argv: string[]; path: string }> = {
  "sdk-v1": { argv: ["node", fixture("http/sdk-v1-http.mjs")], path: "/" },
  "sdk-v2": { argv: [BUN, fixture("http/sdk-v2-http.mjs")], path: "/" },
  "python-mcp2": { argv: [PYTHON_MCP2, fixture("python/http_server.py")], path: "/mcp" },
  "python-mcp1": { argv: [PYTHON_MCP1, fixture("python/http_server.py")], path: "/mcp" },
  everything: { argv: ["node", EVERYTHING_ENTRY, "streamableHttp"], path: "/mcp" },
  /** The deprecated HTTP+SSE transport: GET /sse, then POSTs to the endpoint it names. */
  "everything-sse": { argv: ["node", EVERYTHING_ENTRY, "sse"], path: "/sse" },
  /** Needs ISSUER: the authorization server whose JWT access tokens it takes (the MCP authorization specification). */
  "sdk-v1-oauth": { argv: ["node", fixture("http/sdk-v1-oauth.mjs")], path: "/mcp" },
  /** Not an MCP server: the authorization server for sdk-v1-oauth (client_credentials); its url is its issuer. */
  "oauth-as": { argv: ["node", fixture("http/oauth-client-credentials-as.mjs")], path: "" },
};

export interface RemoteServer {
  url: string;
  port: number;
  /** Ends the process (SIGKILL of its group): the server is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Sends a signal to its process group (SIGSTOP: it still accepts connections, and answers nothing). */
  signal(signal: NodeJS.Signals): void;
}

/** A port free right now (the kernel's pick, released at once). */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

const running = new Set<Bun.Subprocess>();

export async function startRemote(kind: RemoteKind, env: Record<string, string> = {}): Promise<RemoteServer> {
  const port = freePort();
  const { argv, path } = COMMANDS[kind];
  let proc: Bun.Subprocess | undefined;
  const server: RemoteServer = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    async kill() {
      if (!proc) return;
      try {
        process.kill(-proc.pid, "SIGKILL");
      } catch {}
      await proc.exited;
      running.delete(proc);
      proc = undefined;
    },
    signal(signal) {
      if (proc) process.kill(-proc.pid, signal);
    },
    async start() {
      proc = Bun.spawn(argv, {
        env: { ...process.env, ...env, PORT: String(port) },
        stdout: "ignore",
        stderr: "ignore",
        detached: true,
      });
      running.add(proc);
      const started = proc;
      // Waits on the port, not on a clock: the process is up once it accepts a connection.
      while (!(await accepts(port))) {
        if (started.exitCode !== null) throw new Error(`${kind} exited with ${started.exitCode} before listening`);
        await Bun.sleep(50);
      }
    },
  };
  await server.start();
  return server;
}

export async function stopAllRemotes(): Promise<void> {
  for (const proc of running) {
    try {
      // A stopped process takes SIGKILL too, but its group may hold others that were stopped with it.
      process.kill(-proc.pid, "SIGCONT");
      process.kill(-proc.pid, "SIGKILL");
    } catch {}
    await proc.exited;
  }
  running.clear();
}
