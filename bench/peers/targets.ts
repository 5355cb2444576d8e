/**
 * The paths measured: the echo server over stdio directly, behind each peer gateway in its natural
 * protocol, and behind the station (its seed route, and /sessions/{id}/mcp where it exists).
 * Each target launches fresh, so its cold start is launch to first successful tool call.
 *
 * @example
 *   const launched = await TARGETS[1].launch(SERVERS.sdk, peers);
 *   const call = await launched.open();
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createStationSession, mcpoEcho, openStreamableHttp, stationSeedEcho } from "./http-clients.ts";
import { PEERS_DIR, type Peers, REPO_ROOT } from "./install.ts";
import type { EchoCall } from "./load.ts";
import { stopTree } from "./procs.ts";
import { openStdio } from "./stdio-client.ts";

export interface EchoServer {
  key: "sdk" | "fastmcp";
  label: string;
  command: (peers: Peers) => string[];
}

const SERVERS_DIR = join(REPO_ROOT, "bench", "peers", "servers");

export const SERVERS: EchoServer[] = [
  { key: "sdk", label: "TypeScript SDK v1 echo (node)", command: () => ["node", join(SERVERS_DIR, "sdk-echo.mjs")] },
  { key: "fastmcp", label: "Python SDK 1.x FastMCP echo", command: (peers) => [peers.python, join(SERVERS_DIR, "fastmcp_echo.py")] },
];

export interface Launched {
  /** The process whose tree is the gateway (undefined for the direct path, which has no gateway). */
  pid?: number;
  /** The direct path's server process, whose CPU time is still worth showing. */
  serverPid?: number;
  /** Opens what a caller needs (a session, where the protocol has one) and answers an echo call. */
  open(): Promise<EchoCall>;
  stop(): Promise<void>;
}

export interface Target {
  key: string;
  label: string;
  launch(server: EchoServer, peers: Peers): Promise<Launched>;
}

export async function freePort(): Promise<number> {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Starts a gateway in a process group of its own, its output discarded (each runs at its quietest log level). */
function spawnGateway(command: string[], env: Record<string, string> = {}): { pid: number; stop: () => Promise<void> } {
  const child = Bun.spawn(command, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  return { pid: child.pid, stop: () => stopTree(child.pid) };
}

export const TARGETS: Target[] = [
  {
    key: "direct",
    label: "direct stdio (no gateway)",
    async launch(server, peers) {
      let opened: Awaited<ReturnType<typeof openStdio>> | undefined;
      const launched: Launched = {
        async open() {
          opened ??= await openStdio(server.command(peers));
          launched.serverPid = opened.pid;
          return opened.call;
        },
        stop: async () => opened?.close(),
      };
      return launched;
    },
  },
  {
    key: "station",
    label: "MCP Station, POST /mcp/request",
    launch: (server, peers) => launchStation(server, peers, (url, id) => Promise.resolve(stationSeedEcho(url, id))),
  },
  {
    key: "station-binary",
    label: "MCP Station binary (npm run build), POST /mcp/request",
    launch: (server, peers) => launchStation(server, peers, (url, id) => Promise.resolve(stationSeedEcho(url, id)), [STATION_BINARY]),
  },
  {
    key: "station-session-mcp",
    label: "MCP Station, /sessions/{id}/mcp",
    launch: (server, peers) => launchStation(server, peers, (url, id) => openStreamableHttp(`${url}/sessions/${id}/mcp`)),
  },
  {
    key: "supergateway",
    label: `supergateway, stateful Streamable HTTP (SSE replies)`,
    async launch(server, peers) {
      const port = await freePort();
      const stdio = server.command(peers).map(shellQuote).join(" ");
      // supergateway has no bind-address option: it listens on every interface. bench/peers.ts runs
      // the whole measurement in a network namespace that has only loopback, so nothing else can reach it.
      const gateway = spawnGateway([
        "node",
        peers.supergateway,
        "--stdio",
        stdio,
        "--outputTransport",
        "streamableHttp",
        "--stateful",
        "--port",
        String(port),
        "--logLevel",
        "none",
      ]);
      return { pid: gateway.pid, open: () => openStreamableHttp(`http://127.0.0.1:${port}/mcp`), stop: gateway.stop };
    },
  },
  {
    key: "mcp-proxy",
    label: "mcp-proxy, Streamable HTTP (JSON replies)",
    async launch(server, peers) {
      const port = await freePort();
      const gateway = spawnGateway([
        peers.mcpProxy,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--log-level",
        "WARNING",
        "--",
        ...server.command(peers),
      ]);
      return { pid: gateway.pid, open: () => openStreamableHttp(`http://127.0.0.1:${port}/mcp`), stop: gateway.stop };
    },
  },
  {
    key: "mcpo",
    label: "mcpo, REST POST /echo",
    async launch(server, peers) {
      const port = await freePort();
      const gateway = spawnGateway([
        peers.mcpo,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        "--log-level",
        "WARNING",
        "--",
        ...server.command(peers),
      ]);
      return { pid: gateway.pid, open: async () => mcpoEcho(`http://127.0.0.1:${port}`), stop: gateway.stop };
    },
  },
];

/** Where bench/peers.ts compiles the station from the current source (build.ts --outfile), once per run. */
export const STATION_BINARY = join(PEERS_DIR, "mcp-station");

export class PathUnavailable extends Error {}

/** The station as users run it: `bun src/index.ts` (what `npm start` does) or the compiled binary; one session for the server. */
async function launchStation(
  server: EchoServer,
  peers: Peers,
  client: (url: string, sessionId: string) => Promise<EchoCall>,
  command?: string[],
): Promise<Launched> {
  if (command && !existsSync(command[0]!)) throw new PathUnavailable(`${command[0]} was not built`);
  const port = await freePort();
  // --station-profile (bench/peers.ts) writes a CPU profile of the station, in markdown, when it exits.
  const profile = process.env.BENCH_PEERS_STATION_PROFILE
    ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PEERS_STATION_PROFILE}`]
    : [];
  // Each station gets a store of its own: stations started from one directory share ./data, and a
  // station starting ends the server groups recorded there, which would be another live station's.
  const dataDir = join(PEERS_DIR, "station-data", `${port}`);
  rmSync(dataDir, { recursive: true, force: true });
  const gateway = spawnGateway(command ?? [process.execPath, ...profile, "src/index.ts"], {
    MCP_STATION_DATA_DIR: dataDir,
    MCP_STATION_PORT: String(port),
    MCP_STATION_HOST: "127.0.0.1",
    LOG_LEVEL: "warn",
  });
  const url = `http://127.0.0.1:${port}`;
  let sessionId: string | undefined;
  return {
    pid: gateway.pid,
    async open() {
      sessionId ??= await createStationSession(url, server.command(peers), AbortSignal.timeout(30_000));
      return client(url, sessionId);
    },
    async stop() {
      await gateway.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
