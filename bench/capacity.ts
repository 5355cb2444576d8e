/**
 * `npm run bench:capacity`: can one station hold N live sessions at once (issue 14: 1,000 on a
 * 2-core, 24 GiB machine)? A station from source (persistence on, a data dir of its own,
 * LOG_LEVEL=warn, MCP_STATION_MAX_SESSIONS raised to fit) gets N sessions of bench/servers/echo.py
 * created at once by many callers; every session must answer a tools/call with a token of its
 * own; then all are deleted and no process of theirs may be left. Measured as the count grows
 * (a sample per bucket of creates): the station's RSS and open descriptors, create latency p50/p99,
 * the machine's available memory. Prints a table and writes bench/results/capacity.json.
 *
 *   npm run bench:capacity                          1,000 sessions: a few minutes, about 10 GB
 *   npm run bench:capacity -- --sessions 300        another count
 *   npm run bench:capacity -- --quick               50 sessions: proves it works (capacity-quick.json)
 *   npm run bench:capacity -- --concurrency 64      callers creating at once (32)
 *   npm run bench:capacity -- --server node         bench/servers/echo.mjs instead (about 8 MB of its own, 11 threads)
 *   npm run bench:capacity -- --out /tmp/c.json     write the figures elsewhere
 *
 * Not in CI: the full run takes minutes and 10 GB. Exits 1 when any create fails, any answer is
 * missing or wrong, or a process is left.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release } from "node:os";
import { join } from "node:path";
import { HttpClient } from "./lib/http-client.ts";
import { checkAnswer, Deadline, echoLoad, freshId } from "./lib/load.ts";
import { cpuMsOf, freePort, memoryOf, processTree, ROOT, startStation } from "./lib/procs.ts";
import { createSession } from "./lib/station-api.ts";
import { descriptorsOf, freeMemoryKb, groupsLeft, mean, openFileLimits, percentiles, serverMemory } from "./capacity-probes.ts";

const args = process.argv.slice(2);
const flag = (name: string) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : Number(args[at + 1]);
};
const quick = args.includes("--quick");
const sessions = flag("sessions") ?? (quick ? 50 : 1000);
const concurrency = flag("concurrency") ?? 32;
const bucket = Math.max(10, Math.round(sessions / 10));
const started = Date.now();
// The machine may be shared: its load when the run began says how far the timings are the station's.
const loadAtStart = loadavg().map((v) => Number(v.toFixed(2)));
const log = (msg: string) => console.error(`[capacity ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const node = args.includes("--server") && args[args.indexOf("--server") + 1] === "node";
// The interpreter itself, not a shim: pyenv's python3 is a shell script that runs pyenv for every start.
const interpreter = (await (node ? Bun.$`node -p process.execPath` : Bun.$`python3 -c "import sys; print(sys.executable)"`).text()).trim();
// python -S: no site module, 4 MB of its own a server instead of 7 (the figures are in docs/operations.md).
const spec = node
  ? { server_command: interpreter, server_args: [join(ROOT, "bench", "servers", "echo.mjs")] }
  : { server_command: interpreter, server_args: ["-S", join(ROOT, "bench", "servers", "echo.py")] };
const echo = echoLoad("message");

/** Runs `work` on every item, `width` at a time. */
async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        await work(items[index]!, index);
      }
    }),
  );
}

// A server takes 4 MB (python -S) to 7 MB (node) of the machine's memory; 12 MB leaves a margin. A
// run that would push the machine into the OOM killer is refused before it starts anything.
const neededKb = sessions * 12 * 1024 + 1024 * 1024;
if (freeMemoryKb() < neededKb) {
  console.error(
    `${sessions} sessions need about ${Math.round(neededKb / 1024)} MB; the machine has ${Math.round(freeMemoryKb() / 1024)} MB available`,
  );
  process.exit(2);
}

const station = await startStation({
  port: await freePort(),
  env: { LOG_LEVEL: "warn", MCP_STATION_MAX_SESSIONS: String(sessions + 100) },
});
const url = station.url;
try {
  // At LOG_LEVEL=warn no line says the station listens: ask it until it is ready.
  const ready = () =>
    fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
  const until = Date.now() + 30_000;
  while (!(await ready())) {
    if (Date.now() > until) throw new Error("the station was not ready in 30 s");
    await Bun.sleep(50);
  }
  let createStart = performance.now();
  const sample = (count: number) => ({
    sessions: count,
    elapsedMs: Math.round(performance.now() - createStart),
    stationRssKb: memoryOf(station.pid).rssKb,
    stationFds: descriptorsOf(station.pid).total,
    freeMemoryKb: freeMemoryKb(),
  });
  const baseline = sample(0);
  const cpuBefore = cpuMsOf(station.pid);

  log(`creating ${sessions} sessions of ${spec.server_args.join(" ")} with ${concurrency} callers`);
  const ids: string[] = new Array(sessions);
  const latencies: number[] = new Array(sessions);
  const failures: string[] = [];
  const samples = [baseline];
  let done = 0;
  createStart = performance.now();
  await inParallel(ids, concurrency, async (_, index) => {
    const sent = performance.now();
    try {
      ids[index] = await createSession(url, spec, AbortSignal.timeout(60_000));
      latencies[index] = performance.now() - sent;
    } catch (error) {
      failures.push(`create ${index}: ${(error as Error).message}`.slice(0, 300));
    }
    done++;
    if (done % bucket === 0 || done === sessions) {
      samples.push(sample(done));
      log(`${done} created`);
    }
  });
  const createMs = performance.now() - createStart;
  const createCpuMs = cpuMsOf(station.pid) - cpuBefore;
  // Latency by the order in which creates were sent: bucket k holds creates k*bucket .. (k+1)*bucket-1.
  const buckets = [];
  for (let from = 0; from < sessions; from += bucket) {
    const slice = latencies.slice(from, from + bucket).filter((v) => v !== undefined);
    buckets.push({ from: from + 1, to: Math.min(sessions, from + bucket), ...percentiles(slice) });
  }

  const live = ids.filter(Boolean);
  log(`checking that ${live.length} sessions answer`);
  const client = new HttpClient(url);
  let answered = 0;
  await inParallel(live, concurrency, async (id) => {
    const rid = freshId();
    try {
      const body = JSON.stringify({ session_id: id, method: "tools/call", params: echo.params(rid) });
      // postJson refuses any answer but a 2xx, and a 2xx from /mcp/request carries the result in data.
      const answer = (await client.postJson("/mcp/request", body, Deadline.in(30_000))) as { data?: unknown };
      checkAnswer({ result: answer.data }, echo, rid);
      answered++;
    } catch (error) {
      failures.push(`answer ${id}: ${(error as Error).message}`.slice(0, 300));
    }
  });
  client.close();

  const full = sample(live.length);
  const fds = descriptorsOf(station.pid);
  const listed = (await (await fetch(`${url}/sessions`)).json()) as { sessions: { pid: number | null }[] };
  const pids = listed.sessions.map((s) => s.pid).filter((pid): pid is number => pid !== null);
  const servers = serverMemory(pids);
  const limits = openFileLimits(station.pid);

  log(`deleting ${live.length} sessions`);
  const deleteLatencies: number[] = [];
  const deleteStart = performance.now();
  await inParallel(live, concurrency, async (id) => {
    const sent = performance.now();
    try {
      const response = await fetch(`${url}/sessions/${id}`, { method: "DELETE", signal: AbortSignal.timeout(60_000) });
      await response.text();
      if (response.status !== 200) throw new Error(`HTTP ${response.status}`);
      deleteLatencies.push(performance.now() - sent);
    } catch (error) {
      failures.push(`delete ${id}: ${(error as Error).message}`);
    }
  });
  const deleteMs = performance.now() - deleteStart;
  const children = processTree(station.pid).filter((pid) => pid !== station.pid);
  const leftGroups = groupsLeft(pids);
  const after = sample(0);

  const perSession = (a: number, b: number) => (live.length ? (a - b) / live.length : Number.NaN);
  const result = {
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model ?? "unknown",
      memTotalKb: Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync("/proc/meminfo", "utf8"))?.[1]),
      kernel: release(),
      loadAverageAtStart: loadAtStart,
      bun: Bun.version,
      interpreter: (await Bun.$`${interpreter} --version`.text()).trim(),
      date: new Date().toISOString(),
      command: `npm run bench:capacity${args.length ? ` -- ${args.join(" ")}` : ""}`,
    },
    station: {
      pid: station.pid,
      openFileLimit: limits,
      server: [interpreter, ...spec.server_args.map((arg) => arg.replace(`${ROOT}/`, ""))].join(" "),
      concurrency,
    },
    sessions: { asked: sessions, created: live.length, answered, failures: failures.length, failureSamples: failures.slice(0, 10) },
    create: {
      totalMs: Math.round(createMs),
      perSecond: (live.length / createMs) * 1000,
      stationCpuMs: createCpuMs,
      ...percentiles(latencies.filter((v) => v !== undefined)),
    },
    createByCount: buckets,
    samples,
    atFull: {
      stationRssKb: full.stationRssKb,
      stationRssPerSessionKb: perSession(full.stationRssKb, baseline.stationRssKb),
      stationFds: fds,
      stationFdsPerSession: perSession(fds.total, baseline.stationFds),
      serverRssKbMean: mean(servers.rssKb),
      serverPssKbMean: mean(servers.pssKb),
      freeMemoryDropPerSessionKb: perSession(baseline.freeMemoryKb, full.freeMemoryKb),
    },
    delete: { totalMs: Math.round(deleteMs), ...percentiles(deleteLatencies) },
    afterDelete: { ...after, childrenLeft: children.length, groupsLeft: leftGroups },
  };

  const kb = (v: number) => `${(v / 1024).toFixed(1)} MB`;
  console.log(
    `\n${live.length} sessions (${answered} answered) with ${concurrency} callers, ${result.machine.cores} cores, ${kb(result.machine.memTotalKb)} RAM, load ${loadAtStart.join(" ")} at start`,
  );
  console.log("\n sessions | create p50 | create p99 | station RSS | station fds | free memory");
  for (const s of samples.slice(1)) {
    const b = buckets.find((x) => x.to >= s.sessions) ?? buckets.at(-1)!;
    console.log(
      ` ${String(s.sessions).padStart(8)} | ${`${b.p50Ms.toFixed(0)} ms`.padStart(10)} | ${`${b.p99Ms.toFixed(0)} ms`.padStart(10)} | ${kb(s.stationRssKb).padStart(11)} | ${String(s.stationFds).padStart(11)} | ${kb(s.freeMemoryKb).padStart(11)}`,
    );
  }
  const f = result.atFull;
  console.log(
    `\nper session: station RSS ${f.stationRssPerSessionKb.toFixed(0)} KB, station fds ${f.stationFdsPerSession.toFixed(2)} (${JSON.stringify(fds)})`,
  );
  console.log(
    `             server RSS ${kb(f.serverRssKbMean)} (PSS ${kb(f.serverPssKbMean)}), machine memory ${kb(f.freeMemoryDropPerSessionKb)}`,
  );
  console.log(
    `creates: ${result.create.perSecond.toFixed(0)}/s, p50 ${result.create.p50Ms.toFixed(0)} ms, p99 ${result.create.p99Ms.toFixed(0)} ms; station CPU ${(createCpuMs / live.length).toFixed(1)} ms a create`,
  );
  console.log(
    `deletes: ${result.delete.totalMs} ms in all, p50 ${result.delete.p50Ms.toFixed(0)} ms, p99 ${result.delete.p99Ms.toFixed(0)} ms`,
  );
  console.log(
    `after delete: ${children.length} children, ${leftGroups} groups left, station ${kb(after.stationRssKb)}, ${after.stationFds} fds`,
  );
  for (const failure of failures.slice(0, 10)) console.log(`  failure: ${failure}`);

  const out = args[args.indexOf("--out") + 1];
  const file = args.includes("--out") && out ? out : join(ROOT, "bench", "results", quick ? "capacity-quick.json" : "capacity.json");
  mkdirSync(join(ROOT, "bench", "results"), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${file}`);
  const passed = live.length === sessions && answered === sessions && failures.length === 0 && children.length === 0 && leftGroups === 0;
  console.log(passed ? "\nverdict: pass" : "\nverdict: FAIL");
  process.exitCode = passed ? 0 : 1;
} finally {
  await station.stop();
}
