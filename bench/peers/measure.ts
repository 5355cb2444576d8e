/**
 * Measures one path: cold start (launch to first successful echo), idle memory, a warm-up, then the
 * fixed-length runs at concurrency 1 and 64, sampling the gateway's memory while the load runs.
 * Runs are driven from bench/peers.ts in rounds across all paths, so a burst of noise from
 * elsewhere on the machine falls on more than one path.
 *
 * @example
 *   const live = await startPath(target, server, peers);
 *   await warmUp(live, 1000);
 *   live.c1.push(await measureRun(live, 1, 5000));
 */
import type { Peers } from "./install.ts";
import { type Call, CallFailure, Deadline, freshId, type LoadResult, runLoad } from "../lib/load.ts";
import { gatewayRssKb, treeCpuMs } from "./gateway-tree.ts";
import { type EchoServer, type Launched, PathUnavailable, type Target } from "./targets.ts";

export interface LivePath {
  target: Target;
  server: EchoServer;
  launched: Launched;
  call: Call;
  coldStartMs: number;
  rssIdleKb?: number;
  rssLoadKb?: number;
  c1: MeasuredRun[];
  c64: MeasuredRun[];
}

/** A request with no answer after this long is counted missing. */
const TIMEOUT_MS = 10_000;

/** Launches the path and polls (every 20 ms, bounded) until one echo succeeds; that time is its cold start. */
export async function startPath(target: Target, server: EchoServer, peers: Peers, boundMs = 60_000): Promise<LivePath> {
  const started = performance.now();
  const launched = await target.launch(server, peers);
  let lastError: unknown;
  while (performance.now() - started < boundMs) {
    try {
      const call = await launched.open();
      await call(freshId(), Deadline.in(TIMEOUT_MS));
      const coldStartMs = performance.now() - started;
      return { target, server, launched, call, coldStartMs, c1: [], c64: [] };
    } catch (error) {
      lastError = error;
      // A route that answers 404 once the server is up will not appear by waiting.
      if (error instanceof CallFailure && error.kind === "http" && error.message.startsWith("HTTP 404")) break;
      await Bun.sleep(20);
    }
  }
  await launched.stop();
  const why = lastError instanceof Error ? lastError.message : String(lastError);
  throw new PathUnavailable(`${target.label} with ${server.label}: no successful echo (${why.slice(0, 200)})`);
}

/** Idle memory once the path has served its first call and settled. */
export async function measureIdle(live: LivePath, settleMs = 1000): Promise<void> {
  if (live.launched.pid === undefined) return;
  await Bun.sleep(settleMs);
  live.rssIdleKb = gatewayRssKb(live.launched.pid);
}

export async function warmUp(live: LivePath, ms: number): Promise<void> {
  await runLoad(live.call, { concurrency: 1, durationMs: ms, timeoutMs: TIMEOUT_MS });
  await runLoad(live.call, { concurrency: 64, durationMs: ms, timeoutMs: TIMEOUT_MS });
}

/** CPU microseconds spent per successful request, by whom. On a machine whose cores the client, the gateway and the server share, this is the figure that does not depend on who else was running. */
export interface CpuPerRequest {
  gatewayUs?: number;
  serverUs?: number;
  clientUs: number;
}

export type MeasuredRun = LoadResult & { cpu: CpuPerRequest };

/** One fixed-length run; under concurrency the gateway's memory is sampled every 100 ms and its peak kept. */
export async function measureRun(live: LivePath, concurrency: number, durationMs: number): Promise<MeasuredRun> {
  const pid = live.launched.pid ?? live.launched.serverPid;
  const sampler =
    live.launched.pid !== undefined && concurrency > 1
      ? setInterval(() => {
          live.rssLoadKb = Math.max(live.rssLoadKb ?? 0, gatewayRssKb(live.launched.pid!));
        }, 100)
      : undefined;
  const tree = () => (pid === undefined ? { gateway: 0, server: 0 } : treeCpuMs(pid));
  const before = tree();
  const client = process.cpuUsage();
  try {
    const run = await runLoad(live.call, { concurrency, durationMs, timeoutMs: TIMEOUT_MS });
    const after = tree();
    const clientUsed = process.cpuUsage(client);
    const per = (ms: number) => (run.ok ? (ms * 1000) / run.ok : Number.NaN);
    const direct = live.launched.pid === undefined;
    return {
      ...run,
      cpu: {
        // The direct path has no gateway; its server is a child of the bench itself.
        gatewayUs: direct ? undefined : per(after.gateway - before.gateway),
        serverUs: per(after.server - before.server),
        clientUs: per((clientUsed.user + clientUsed.system) / 1000),
      },
    };
  } finally {
    if (sampler) clearInterval(sampler);
  }
}
