/**
 * The bench's workloads, each measured for the direct client (the floor), the
 * minimal forwarder and the station in the same run. Every figure comes with
 * its error counts: a fast run with crossed answers is not a result.
 */
import { join } from "node:path";
import { runLoad, percentile, type LoadResult } from "./lib/load.ts";
import { StdioClient } from "./lib/stdio-client.ts";
import { ROOT, memoryOf, resetPeak, startForwarder, startStation, type Running, type StationOptions } from "./lib/procs.ts";

export interface ServerUnderTest {
  name: string;
  argv: string[];
  spec: { server_type: "node"; server_command: string; server_args: string[] };
  /** The text the echo tool answers for `message`. */
  echoed(message: string): string;
}

export const ECHO: ServerUnderTest = {
  name: "bench echo",
  argv: ["node", join(ROOT, "bench", "servers", "echo.mjs")],
  spec: { server_type: "node", server_command: join(ROOT, "bench", "servers", "echo.mjs"), server_args: [] },
  echoed: (m) => m,
};

const EVERYTHING_JS = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
export const EVERYTHING: ServerUnderTest = {
  name: "server-everything",
  argv: ["node", EVERYTHING_JS, "stdio"],
  spec: { server_type: "node", server_command: EVERYTHING_JS, server_args: ["stdio"] },
  echoed: (m) => `Echo: ${m}`,
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

const RUN = Math.random().toString(36).slice(2, 8);
const token = (i: number) => `${RUN}-${i}`;

function fromLoad(r: LoadResult): Figures {
  return { ok: r.ok, errors: r.errors.total + r.warmupErrors, errorSamples: r.errorSamples, p50Ms: r.p50Ms, p99Ms: r.p99Ms, rps: r.rps };
}

/** Sends `count` echo calls from `concurrency` workers straight down one server's stdio. */
async function directLoad(
  client: StdioClient,
  server: ServerUnderTest,
  concurrency: number,
  count: number,
  warmup: number,
): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const samples: string[] = [];
  let next = 0;
  let total = 0;
  const one = async (i: number, measure: boolean) => {
    const message = token(i);
    const started = performance.now();
    const res = await client.request("tools/call", { name: "echo", arguments: { message } });
    const elapsed = performance.now() - started;
    if (res.result?.content?.[0]?.text !== server.echoed(message)) {
      errors++;
      if (samples.length < 5) samples.push(JSON.stringify(res).slice(0, 300));
    } else if (measure) latencies.push(elapsed);
  };
  const phase = async (n: number, measure: boolean) => {
    next = 0;
    total = n;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) await one(next++, measure);
      }),
    );
  };
  await phase(warmup, false);
  const started = performance.now();
  await phase(count, true);
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return {
    ok: latencies.length,
    errors,
    errorSamples: samples,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    rps: (latencies.length / elapsed) * 1000,
  };
}

function echoRequest(server: ServerUnderTest, sessionId: string) {
  return (i: number) => {
    const message = token(i);
    return {
      body: JSON.stringify({ session_id: sessionId, method: "tools/call", params: { name: "echo", arguments: { message } } }),
      check: (json: any) => json?.success === true && json.data?.content?.[0]?.text === server.echoed(message),
    };
  };
}

async function createSession(station: Running, spec: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${station.url}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
  });
  const body = (await res.json()) as { session_id?: string };
  if (!res.ok || !body.session_id) throw new Error(`create failed: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.session_id;
}

async function deleteSession(station: Running, id: string): Promise<void> {
  await fetch(`${station.url}/sessions/${id}`, { method: "DELETE" });
}

export interface EchoFigures {
  c1: { direct: Figures; forwarder: Figures; station: Figures };
  c64: { direct: Figures; forwarder: Figures; station: Figures };
  stationPeakKb: number;
}

/** tools/call echo on one session at concurrency 1 and 64. */
export async function echoWorkload(server: ServerUnderTest, counts: Counts, stationOptions: StationOptions): Promise<EchoFigures> {
  const warm1 = Math.max(20, counts.latency / 10);
  const warm64 = Math.max(200, counts.throughput / 10);
  const client = StdioClient.spawn(server.argv);
  await client.initialize();
  const direct1 = await directLoad(client, server, 1, counts.latency, warm1);
  const direct64 = await directLoad(client, server, 64, counts.throughput, warm64);
  await client.close();

  const forwarder = await startForwarder(1, server.argv);
  const fwd1 = fromLoad(
    await runLoad({
      url: `${forwarder.url}/mcp/request`,
      makeRequest: echoRequest(server, "0"),
      concurrency: 1,
      count: counts.latency,
      warmup: warm1,
    }),
  );
  const fwd64 = fromLoad(
    await runLoad({
      url: `${forwarder.url}/mcp/request`,
      makeRequest: echoRequest(server, "0"),
      concurrency: 64,
      count: counts.throughput,
      warmup: warm64,
    }),
  );
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const sid = await createSession(station, server.spec);
  const st1 = fromLoad(
    await runLoad({
      url: `${station.url}/mcp/request`,
      makeRequest: echoRequest(server, sid),
      concurrency: 1,
      count: counts.latency,
      warmup: warm1,
    }),
  );
  const st64 = fromLoad(
    await runLoad({
      url: `${station.url}/mcp/request`,
      makeRequest: echoRequest(server, sid),
      concurrency: 64,
      count: counts.throughput,
      warmup: warm64,
    }),
  );
  const stationPeakKb = memoryOf(station.pid).peakKb;
  await station.stop();
  return {
    c1: { direct: direct1, forwarder: fwd1, station: st1 },
    c64: { direct: direct64, forwarder: fwd64, station: st64 },
    stationPeakKb,
  };
}

/** 16 sessions, 8 callers each, all at once; figures are the sum over sessions. */
export async function manySessionsWorkload(server: ServerUnderTest, counts: Counts, stationOptions: StationOptions) {
  const SESSIONS = 16;
  const PER = 8;
  const n = counts.perSession;
  const sum = (all: Figures[], elapsedMs: number): Figures => ({
    ok: all.reduce((a, f) => a + f.ok, 0),
    errors: all.reduce((a, f) => a + f.errors, 0),
    errorSamples: all.flatMap((f) => f.errorSamples ?? []).slice(0, 5),
    rps: (all.reduce((a, f) => a + f.ok, 0) / elapsedMs) * 1000,
    p99Ms: Math.max(...all.map((f) => f.p99Ms ?? 0)),
  });

  const clients = await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const c = StdioClient.spawn(server.argv);
      await c.initialize();
      return c;
    }),
  );
  let started = performance.now();
  const directAll = await Promise.all(clients.map((c) => directLoad(c, server, PER, n, 0)));
  const direct = sum(directAll, performance.now() - started);
  await Promise.all(clients.map((c) => c.close()));

  const forwarder = await startForwarder(SESSIONS, server.argv);
  started = performance.now();
  const fwdAll = await Promise.all(
    Array.from({ length: SESSIONS }, (_, s) =>
      runLoad({
        url: `${forwarder.url}/mcp/request`,
        makeRequest: echoRequest(server, String(s)),
        concurrency: PER,
        count: n,
        warmup: 0,
      }).then(fromLoad),
    ),
  );
  const fwd = sum(fwdAll, performance.now() - started);
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const ids = await Promise.all(Array.from({ length: SESSIONS }, () => createSession(station, server.spec)));
  started = performance.now();
  const stAll = await Promise.all(
    ids.map((id) =>
      runLoad({ url: `${station.url}/mcp/request`, makeRequest: echoRequest(server, id), concurrency: PER, count: n, warmup: 0 }).then(
        fromLoad,
      ),
    ),
  );
  const st = sum(stAll, performance.now() - started);
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

function bigRequest(sessionId: string, bytes: number) {
  return (i: number) => {
    const message = token(i);
    return {
      body: JSON.stringify({ session_id: sessionId, method: "tools/call", params: { name: "big", arguments: { bytes, message } } }),
      check: (json: any) => {
        const text = json?.data?.content?.[0]?.text;
        return json?.success === true && typeof text === "string" && text.length === bytes && text.startsWith(message);
      },
    };
  };
}

/** Results of `bytes` bytes at concurrency 1: time, MB/s, and how far the station's RSS rises. */
export async function bigWorkload(bytes: number, count: number, stationOptions: StationOptions): Promise<BigFigures> {
  const mb = bytes / (1024 * 1024);
  const toFigures = (times: number[], errors: number, samples: string[] = []): Figures => {
    const sorted = [...times].sort((a, b) => a - b);
    const p50 = percentile(sorted, 50);
    return { ok: times.length, errors, errorSamples: samples, msPerCall: p50, p50Ms: p50, mbPerS: mb / (p50 / 1000) };
  };

  const client = StdioClient.spawn(ECHO.argv);
  await client.initialize();
  const times: number[] = [];
  let errors = 0;
  for (let i = -1; i < count; i++) {
    const message = token(i);
    const started = performance.now();
    const res = await client.request("tools/call", { name: "big", arguments: { bytes, message } });
    const elapsed = performance.now() - started;
    const text = res.result?.content?.[0]?.text;
    if (typeof text !== "string" || text.length !== bytes || !text.startsWith(message)) errors++;
    else if (i >= 0) times.push(elapsed);
  }
  await client.close();
  const direct = toFigures(times, errors);

  const viaHttp = async (target: Running, sid: string) => {
    const r = await runLoad({
      url: `${target.url}/mcp/request`,
      makeRequest: bigRequest(sid, bytes),
      concurrency: 1,
      count,
      warmup: 1,
      timeoutMs: 120_000,
    });
    return { ...fromLoad(r), msPerCall: r.p50Ms, mbPerS: mb / (r.p50Ms / 1000) };
  };
  const forwarder = await startForwarder(1, ECHO.argv);
  const fwd = await viaHttp(forwarder, "0");
  await forwarder.stop();

  const station = await startStation(stationOptions);
  const sid = await createSession(station, ECHO.spec);
  // A first small call so that lazily compiled code is not counted as message memory.
  await runLoad({ url: `${station.url}/mcp/request`, makeRequest: echoRequest(ECHO, sid), concurrency: 1, count: 50, warmup: 0 });
  const before = memoryOf(station.pid);
  resetPeak(station.pid);
  const st = await viaHttp(station, sid);
  const after = memoryOf(station.pid);
  // Then call by call: the peak during one call over the RSS just before it (garbage of earlier calls
  // that the GC has not yet returned is in both), so the figure is what one message costs.
  const perCall: number[] = [];
  for (let i = 0; i < Math.max(3, Math.min(count, 8)); i++) {
    const m0 = memoryOf(station.pid);
    resetPeak(station.pid);
    await runLoad({ url: `${station.url}/mcp/request`, makeRequest: bigRequest(sid, bytes), concurrency: 1, count: 1, timeoutMs: 120_000 });
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
      const id = await createSession(target, server.spec);
      if (measure) into.push(performance.now() - started);
      await deleteSession(target, id);
    } catch (error) {
      errors++;
      console.error(String(error));
    }
  };
  for (let i = -1; i < count; i++) {
    const started = performance.now();
    const c = StdioClient.spawn(server.argv);
    await c.initialize();
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

/** `count` idle sessions of the trivial server: the station's own RSS growth per session. */
export async function idleWorkload(count: number, stationOptions: StationOptions) {
  const station = await startStation({
    ...stationOptions,
    env: { ...stationOptions.env, MCP_STATION_MAX_SESSIONS: String(Math.max(256, count + 16)) },
  });
  // Warm the code paths first: one session created, used and deleted.
  const first = await createSession(station, ECHO.spec);
  await runLoad({ url: `${station.url}/mcp/request`, makeRequest: echoRequest(ECHO, first), concurrency: 1, count: 20 });
  await deleteSession(station, first);
  await Bun.sleep(500);
  const before = memoryOf(station.pid).rssKb;
  const ids: string[] = [];
  let errors = 0;
  for (let i = 0; i < count; i += 8) {
    const batch = await Promise.allSettled(Array.from({ length: Math.min(8, count - i) }, () => createSession(station, ECHO.spec)));
    for (const r of batch) r.status === "fulfilled" ? ids.push(r.value) : errors++;
  }
  await Bun.sleep(1000);
  const after = memoryOf(station.pid).rssKb;
  await station.stop();
  return { sessions: ids.length, errors, rssBeforeKb: before, rssAfterKb: after, perSessionKb: (after - before) / Math.max(1, ids.length) };
}
