/**
 * The bench's workloads, each measured for the direct client (the floor), the
 * minimal forwarder and the station in the same run. Every figure comes with
 * its error counts: a fast run with crossed answers is not a result.
 */
import { join } from "node:path";
import { type Call, echoedText, echoLoad, type LoadResult, runLoad, type ToolLoad, tokenOf } from "./lib/load.ts";
import { cpuMsOf, memoryOf, ROOT, type Running, resetPeak, type StationOptions, startForwarder, startStation } from "./lib/procs.ts";
import { createSession, deleteSession, seedCall } from "./lib/station-api.ts";
import { StdioClient } from "./lib/stdio-client.ts";

export interface ServerUnderTest {
  name: string;
  argv: string[];
  spec: { server_type: "node"; server_command: string; server_args: string[] };
  echo: ToolLoad;
}

export const ECHO: ServerUnderTest = {
  name: "bench echo",
  argv: ["node", join(ROOT, "bench", "servers", "echo.mjs")],
  spec: { server_type: "node", server_command: join(ROOT, "bench", "servers", "echo.mjs"), server_args: [] },
  echo: echoLoad("message"),
};

const EVERYTHING_JS = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
export const EVERYTHING: ServerUnderTest = {
  name: "server-everything",
  argv: ["node", EVERYTHING_JS, "stdio"],
  spec: { server_type: "node", server_command: EVERYTHING_JS, server_args: ["stdio"] },
  echo: echoLoad("message", (m) => `Echo: ${m}`),
};

export interface Counts {
  latency: number;
  throughput: number;
  perSession: number;
  big1: number;
  big16: number;
  creates: number;
  idle: number;
}

export const FULL: Counts = { latency: 3000, throughput: 20000, perSession: 1500, big1: 30, big16: 8, creates: 10, idle: 200 };
export const QUICK: Counts = { latency: 100, throughput: 500, perSession: 50, big1: 3, big16: 2, creates: 2, idle: 10 };

export interface Figures {
  ok: number;
  errors: number;
  errorSamples?: string[];
  p50Ms?: number;
  p99Ms?: number;
  rps?: number;
  mbPerS?: number;
  msPerCall?: number;
}

function fromLoad(r: LoadResult): Figures {
  return { ok: r.ok, errors: r.errors.total + r.warmupErrors, errorSamples: r.errorSamples, p50Ms: r.p50Ms, p99Ms: r.p99Ms, rps: r.rps };
}

const measure = (call: Call, concurrency: number, count: number, warmup: number) =>
  runLoad(call, { concurrency, count, warmup }).then(fromLoad);

async function directClient(server: ServerUnderTest): Promise<StdioClient> {
  const client = StdioClient.spawn(server.argv);
  await client.initialize();
  return client;
}

export interface EchoFigures {
  c1: { direct: Figures; forwarder: Figures; station: Figures };
  c64: { direct: Figures; forwarder: Figures; station: Figures };
  /** CPU time (user + system, from /proc) per request of the c=64 run, warm-up included, in µs. */
  cpuUsC64: { forwarder: number; station: number };
  stationPeakKb: number;
}

/** tools/call echo on one session at concurrency 1 and 64. */
export async function echoWorkload(server: ServerUnderTest, counts: Counts, stationOptions: StationOptions): Promise<EchoFigures> {
  const warm1 = Math.max(20, counts.latency / 10);
  const warm64 = Math.max(200, counts.throughput / 10);
  let cpuUs = 0;
  const both = async (call: Call, pid?: number) => {
    const c1 = await measure(call, 1, counts.latency, warm1);
    const cpu0 = pid === undefined ? 0 : cpuMsOf(pid);
    const c64 = await measure(call, 64, counts.throughput, warm64);
    if (pid !== undefined) cpuUs = ((cpuMsOf(pid) - cpu0) * 1000) / (counts.throughput + warm64);
    return [c1, c64];
  };

  const client = await directClient(server);
  const [direct1, direct64] = await both(client.toolCall(server.echo));
  await client.close();

  const forwarder = await startForwarder(1, server.argv);
  const [fwd1, fwd64] = await both(seedCall(forwarder.url, "0", server.echo), forwarder.pid);
  const forwarderCpuUs = cpuUs;
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const [st1, st64] = await both(seedCall(station.url, await createSession(station.url, server.spec), server.echo), station.pid);
  const stationPeakKb = memoryOf(station.pid).peakKb;
  await station.stop();
  return {
    c1: { direct: direct1!, forwarder: fwd1!, station: st1! },
    c64: { direct: direct64!, forwarder: fwd64!, station: st64! },
    cpuUsC64: { forwarder: forwarderCpuUs, station: cpuUs },
    stationPeakKb,
  };
}

/** 16 sessions, 8 callers each, all at once; figures are the sum over sessions. */
export async function manySessionsWorkload(server: ServerUnderTest, counts: Counts, stationOptions: StationOptions) {
  const SESSIONS = 16;
  const PER = 8;
  const all = async (calls: Call[]): Promise<Figures> => {
    const started = performance.now();
    const each = await Promise.all(calls.map((call) => measure(call, PER, counts.perSession, 0)));
    const ok = each.reduce((a, f) => a + f.ok, 0);
    return {
      ok,
      errors: each.reduce((a, f) => a + f.errors, 0),
      errorSamples: each.flatMap((f) => f.errorSamples ?? []).slice(0, 5),
      rps: (ok / (performance.now() - started)) * 1000,
      p99Ms: Math.max(...each.map((f) => f.p99Ms ?? 0)),
    };
  };
  const sessions = Array.from({ length: SESSIONS }, (_, s) => s);

  const clients = await Promise.all(sessions.map(() => directClient(server)));
  const direct = await all(clients.map((c) => c.toolCall(server.echo)));
  await Promise.all(clients.map((c) => c.close()));

  const forwarder = await startForwarder(SESSIONS, server.argv);
  const fwd = await all(sessions.map((s) => seedCall(forwarder.url, String(s), server.echo)));
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const ids = await Promise.all(sessions.map(() => createSession(station.url, server.spec)));
  const st = await all(ids.map((id) => seedCall(station.url, id, server.echo)));
  await station.stop();
  return { direct, forwarder: fwd, station: st };
}

export interface BigFigures {
  bytes: number;
  direct: Figures;
  forwarder: Figures;
  station: Figures & {
    rssBeforeKb: number;
    peakKb: number;
    riseKb: number;
    riseOverMessage: number;
    callRiseKb: number;
    callRiseOverMessage: number;
  };
}

/** The big tool: one text of `bytes` bytes that starts with request `id`'s token. */
export function bigLoad(bytes: number): ToolLoad {
  return {
    params: (id) => ({ name: "big", arguments: { bytes, message: tokenOf(id) } }),
    accept: (result, id) => {
      const text = echoedText(result);
      return typeof text === "string" && text.length === bytes && text.startsWith(tokenOf(id));
    },
  };
}

/** Results of `bytes` bytes at concurrency 1: time, MB/s, and how far the station's RSS rises. */
export async function bigWorkload(bytes: number, count: number, stationOptions: StationOptions): Promise<BigFigures> {
  const mb = bytes / (1024 * 1024);
  const big = bigLoad(bytes);
  const calls = async (call: Call, n: number, warmup: number) => {
    const r = await runLoad(call, { concurrency: 1, count: n, warmup, timeoutMs: 120_000 });
    return { ...fromLoad(r), msPerCall: r.p50Ms, mbPerS: mb / (r.p50Ms / 1000) };
  };

  const client = await directClient(ECHO);
  const direct = await calls(client.toolCall(big), count, 1);
  await client.close();

  const forwarder = await startForwarder(1, ECHO.argv);
  const fwd = await calls(seedCall(forwarder.url, "0", big), count, 1);
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const sid = await createSession(station.url, ECHO.spec);
  // A first small call so that lazily compiled code is not counted as message memory.
  await measure(seedCall(station.url, sid, ECHO.echo), 1, 50, 0);
  const viaStation = seedCall(station.url, sid, big);
  const before = memoryOf(station.pid);
  resetPeak(station.pid);
  const st = await calls(viaStation, count, 1);
  const after = memoryOf(station.pid);
  // Then call by call: the peak during one call over the RSS just before it (garbage of earlier calls
  // that the GC has not yet returned is in both), so the figure is what one message costs.
  const perCall: number[] = [];
  for (let i = 0; i < Math.max(3, Math.min(count, 8)); i++) {
    const m0 = memoryOf(station.pid);
    resetPeak(station.pid);
    await calls(viaStation, 1, 0);
    perCall.push(memoryOf(station.pid).peakKb - m0.rssKb);
  }
  await station.stop();
  const riseKb = after.peakKb - before.rssKb;
  const callRiseKb = median(perCall);
  return {
    bytes,
    direct,
    forwarder: fwd,
    station: {
      ...st,
      rssBeforeKb: before.rssKb,
      peakKb: after.peakKb,
      riseKb,
      riseOverMessage: (riseKb * 1024) / bytes,
      callRiseKb,
      callRiseOverMessage: (callRiseKb * 1024) / bytes,
    },
  };
}

export interface CreateFigures {
  server: string;
  directMs: number;
  stationMs: number;
  addedMs: number;
  pooledMs?: number;
  errors: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
}

/**
 * Spawn plus initialize, direct vs through POST /sessions (and with a warm pool, when `pooled` is
 * given). Interleaved, one of each per round, so that a busy moment on the machine hits all alike.
 */
export async function createWorkload(
  server: ServerUnderTest,
  count: number,
  stationOptions: StationOptions,
  pooled?: StationOptions,
): Promise<CreateFigures> {
  const station = await startStation(stationOptions);
  const pool = pooled ? await startStation(pooled) : undefined;
  const direct: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  let errors = 0;
  const timeCreate = async (target: Running, into: number[], measure: boolean) => {
    const started = performance.now();
    try {
      const id = await createSession(target.url, server.spec);
      if (measure) into.push(performance.now() - started);
      await deleteSession(target.url, id);
    } catch (error) {
      errors++;
      console.error(String(error));
    }
  };
  for (let i = -1; i < count; i++) {
    const started = performance.now();
    const c = await directClient(server);
    if (i >= 0) direct.push(performance.now() - started);
    await c.close();
    await timeCreate(station, cold, i >= 0);
    if (pool) {
      // Give the pool time to refill, as a station with spare time between creates would have.
      await Bun.sleep(Math.ceil((direct.at(-1) ?? 300) * 2) + 100);
      await timeCreate(pool, warm, i >= 0);
    }
  }
  await station.stop();
  await pool?.stop();
  const directMs = median(direct);
  const stationMs = median(cold);
  return { server: server.name, directMs, stationMs, addedMs: stationMs - directMs, pooledMs: pool ? median(warm) : undefined, errors };
}

/**
 * The station's idle memory, as bench:peers reads it: VmRSS a second after start, and a second
 * after its first session's first call. Then `count` idle sessions of the trivial server: the
 * station's own RSS growth per session.
 */
export async function idleWorkload(count: number, stationOptions: StationOptions) {
  const station = await startStation({
    ...stationOptions,
    env: { ...stationOptions.env, MCP_STATION_MAX_SESSIONS: String(Math.max(256, count + 16)) },
  });
  await Bun.sleep(1000);
  const freshKb = memoryOf(station.pid).rssKb;
  // Warm the code paths first: one session created, used and deleted.
  const first = await createSession(station.url, ECHO.spec);
  await measure(seedCall(station.url, first, ECHO.echo), 1, 1, 0);
  await Bun.sleep(1000);
  const firstCallKb = memoryOf(station.pid).rssKb;
  await measure(seedCall(station.url, first, ECHO.echo), 1, 20, 0);
  await deleteSession(station.url, first);
  await Bun.sleep(500);
  const before = memoryOf(station.pid).rssKb;
  const ids: string[] = [];
  let errors = 0;
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(8, count - i) }, () => createSession(station.url, ECHO.spec)));
    for (const r of batch) r.status === "fulfilled" ? ids.push(r.value) : errors++;
  }
  await Bun.sleep(1000);
  const after = memoryOf(station.pid).rssKb;
  await station.stop();
  return {
    freshKb,
    firstCallKb,
    sessions: ids.length,
    errors,
    rssBeforeKb: before,
    rssAfterKb: after,
    perSessionKb: (after - before) / Math.max(1, ids.length),
  };
}
