/**
 * The paths measured: the echo server over stdio directly, behind each peer gateway in its natural
 * protocol, and behind the station (its seed route, and /sessions/{id}/mcp where it exists).
 * Each target launches fresh, so its cold start is launch to first successful tool call.
 *
 * @example
 *   const launched = await TARGETS[1].launch(SERVERS.sdk, peers);
 *   const call = await launched.open();
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Call } from "../lib/load.ts";
import { freePort, ROOT, startGateway, startStation } from "../lib/procs.ts";
import { createSession, seedCall } from "../lib/station-api.ts";
import { StdioClient } from "../lib/stdio-client.ts";
import { ECHO_TEXT, mcpoEcho, openStreamableHttp } from "./http-clients.ts";
import { PEERS_DIR, type Peers } from "./install.ts";

export interface EchoServer {
  key: "sdk" | "fastmcp";
  label: string;
  command: (peers: Peers) => string[];
}

const SERVERS_DIR = join(ROOT, "bench", "peers", "servers");

export const SERVERS: EchoServer[] = [
  { key: "sdk", label: "TypeScript SDK v1 echo (node)", command: () => ["node", join(SERVERS_DIR, "sdk-echo.mjs")] },
  { key: "fastmcp", label: "Python SDK 1.x FastMCP echo", command: (peers) => [peers.python, join(SERVERS_DIR, "fastmcp_echo.py")] },
];

export interface Launched {
  /** The process whose tree is the gateway (undefined for the direct path, which has no gateway). */
  pid?: number;
  /** The direct path's server process, whose CPU time is still worth showing. */
  serverPid?: number;
  /** Opens what a caller needs (a session, where the protocol has one) and answers an echo Call. */
  open(): Promise<Call>;
  stop(): Promise<void>;
}

export interface Target {
  key: string;
  label: string;
  launch(server: EchoServer, peers: Peers): Promise<Launched>;
}

const shellQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** A gateway started from `argv(port)` on a free port; `open` gives the Call its protocol offers at its base URL. */
async function launchGateway(argv: (port: number) => string[], open: (baseUrl: string) => Promise<Call>): Promise<Launched> {
  const port = await freePort();
  const gateway = startGateway(argv(port), `http://127.0.0.1:${port}`);
  return { pid: gateway.pid, open: () => open(gateway.url), stop: gateway.stop };
}

const streamableHttp = (baseUrl: string) => openStreamableHttp(`${baseUrl}/mcp`);

export const TARGETS: Target[] = [
  {
    key: "direct",
    label: "direct stdio (no gateway)",
    async launch(server, peers) {
      let client: StdioClient | undefined;
      let call: Call | undefined;
      const launched: Launched = {
        async open() {
          // The server gets this shell's environment, as the gateways give theirs.
          client ??= StdioClient.spawn(server.command(peers), process.env);
          launched.serverPid = client.pid;
          if (!call) {
            await client.initialize("2025-03-26", "bench-peers");
            call = client.toolCall(ECHO_TEXT);
          }
          return call;
        },
        stop: async () => client?.close(),
      };
      return launched;
    },
  },
  {
    key: "station",
    label: "MCP Station, POST /mcp/request",
    launch: (server, peers) => launchStation(server, peers, (url, id) => Promise.resolve(seedCall(url, id, ECHO_TEXT))),
  },
  {
    key: "station-binary",
    label: "MCP Station binary (npm run build), POST /mcp/request",
    launch: (server, peers) => launchStation(server, peers, (url, id) => Promise.resolve(seedCall(url, id, ECHO_TEXT)), STATION_BINARY),
  },
  {
    key: "station-session-mcp",
    label: "MCP Station, /sessions/{id}/mcp",
    launch: (server, peers) => launchStation(server, peers, (url, id) => openStreamableHttp(`${url}/sessions/${id}/mcp`)),
  },
  {
    key: "supergateway",
    label: "supergateway, stateful Streamable HTTP (SSE replies)",
    // supergateway has no bind-address option: it listens on every interface. bench/peers.ts runs
    // the whole measurement in a network namespace that has only loopback, so nothing else can reach it.
    launch: (server, peers) =>
      launchGateway(
        (port) => [
          "node",
          peers.supergateway,
          "--stdio",
          server.command(peers).map(shellQuote).join(" "),
          "--outputTransport",
          "streamableHttp",
          "--stateful",
          "--port",
          String(port),
          "--logLevel",
          "none",
        ],
        streamableHttp,
      ),
  },
  {
    key: "mcp-proxy",
    label: "mcp-proxy, Streamable HTTP (JSON replies)",
    launch: (server, peers) => launchGateway((port) => pythonGateway(peers.mcpProxy, port, server.command(peers)), streamableHttp),
  },
  {
    key: "mcpo",
    label: "mcpo, REST POST /echo",
    launch: (server, peers) =>
      launchGateway(
        (port) => pythonGateway(peers.mcpo, port, server.command(peers)),
        async (url) => mcpoEcho(url),
      ),
  },
];

/** mcp-proxy and mcpo take the same options. */
const pythonGateway = (program: string, port: number, server: string[]) => [
  program,
  "--host",
  "127.0.0.1",
  "--port",
  String(port),
  "--log-level",
  "WARNING",
  "--",
  ...server,
];

/** Where bench/peers.ts compiles the station from the current source (build.ts --outfile), once per run. */
export const STATION_BINARY = join(PEERS_DIR, "mcp-station");

export class PathUnavailable extends Error {}

/** The station as users run it: `bun src/index.ts` (what `npm start` does) or the compiled binary; one session for the server. */
async function launchStation(
  server: EchoServer,
  peers: Peers,
  client: (url: string, sessionId: string) => Promise<Call>,
  binary?: string,
): Promise<Launched> {
  if (binary && !existsSync(binary)) throw new PathUnavailable(`${binary} was not built`);
  // At its quietest log level, as every gateway here; the cold start runs up to its first answer.
  const station = await startStation({ binary, port: await freePort(), env: { LOG_LEVEL: "warn" } });
  const spec = { server_type: "command", server_command: server.command(peers)[0], server_args: server.command(peers).slice(1) };
  let sessionId: string | undefined;
  return {
    pid: station.pid,
    async open() {
      sessionId ??= await createSession(station.url, spec, AbortSignal.timeout(30_000));
      return client(station.url, sessionId);
    },
    stop: station.stop,
  };
}
