/**
 * One soak run: a station with persistence on, a fleet of real servers (Node fixtures and a server
 * on the official Python SDK) restarting always, load through POST /mcp/request in rounds, and the
 * fault injector beside it; then every session deleted, the station stopped, and /proc searched for
 * anything of the run left alive. The station is killed (SIGKILL) in the first round only, so rounds
 * 2..N run on one station process and its RSS floor in each shows a plateau or a growth (memory.ts).
 *
 * @example
 *   const report = await runSoak({ sessions: 4, callers: 8, rounds: 3, roundMs: 7000, stationKills: 1, warmup: 400, deadlines: DEADLINES, logFile });
 *   report.failures; // [] when nothing crossed, hung, failed inside the station or was left behind
 */
import { existsSync, readFileSync } from "node:fs";
import { runLoad } from "../lib/load.ts";
import { FAULT_KINDS, Injector } from "./faults.ts";
import { Fleet, SERVERS, type SoakServer } from "./fleet.ts";
import { killAll, leftoversOf } from "./leftovers.ts";
import { RssLog } from "./memory.ts";
import { type Deadlines, soakCall } from "./load.ts";
import { SoakStation } from "./station.ts";
import { Tally } from "./tally.ts";

export interface SoakOptions {
  sessions: number;
  callers: number;
  rounds: number;
  roundMs: number;
  /** How many times the station is killed, spread over the first round. */
  stationKills: number;
  /** Requests sent before the faults start, to warm the station up. */
  warmup: number;
  deadlines: Deadlines;
  /** With a figure, the verdict also fails when the RSS floor of the last round exceeds that of round 2 by more than this share. */
  rssMargin?: number;
  logFile: string;
  progress?: (line: string) => void;
}

export interface SoakReport {
  tally: Tally;
  rss: RssLog;
  requests: number;
  durationMs: number;
  stationRestarts: number;
  /**
   * The first few of the station's error lines (an unhandled error is logged in full there), and of
   * its audit refusals: every soak caller is local and needs no credential, so a refusal is false.
   */
  logged: string[];
  failures: string[];
}

/** The fleet's servers for `n` sessions: half echo.mjs, a quarter each Python SDK and grandchild.mjs. */
export function mix(n: number): SoakServer[] {
  const pattern = [SERVERS.echo, SERVERS.python, SERVERS.echo, SERVERS.grandchild];
  return Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const say = options.progress ?? (() => {});
  const tally = new Tally();
  const tag = `soak-${Math.random().toString(36).slice(2, 10)}`;
  const station = await SoakStation.start(options.logFile);
  const fleet = new Fleet(station, tally, tag);
  const rss = new RssLog(station);
  rss.record("start");
  let requests = 0;
  const started = performance.now();
  try {
    await fleet.fill(mix(options.sessions));
    const call = soakCall(station, fleet, tally, options.deadlines);
    const load = { concurrency: options.callers, timeoutMs: options.deadlines.hungAfterMs };
    requests += (await runLoad(call, { ...load, count: options.warmup })).ok;
    rss.record("warm-up");
    say(`${options.sessions} sessions warmed up; faults on for ${options.rounds} rounds of ${options.roundMs / 1000} s`);

    const stop = new AbortController();
    const kills = Array.from({ length: options.stationKills }, (_, i) => ((i + 0.5) * options.roundMs) / options.stationKills);
    const injecting = new Injector(station, fleet, tally, options.deadlines).run(stop.signal, kills);
    for (let round = 1; round <= options.rounds; round++) {
      const result = await rss.during(`round ${round}`, runLoad(call, { ...load, durationMs: options.roundMs }));
      requests += result.ok;
      for (const sample of result.errorSamples) tally.harnessError(sample);
      say(`round ${round}: ${result.ok} requests, station RSS floor ${rss.figures.at(-1)!.floorKb} kB`);
    }
    stop.abort();
    await injecting;
    await fleet.deleteAll();
    rss.record("sessions deleted");
  } finally {
    await station.stop();
    const left = await leftoversOf(tag);
    tally.leftovers.push(...left.map((process) => `after the station stopped: ${fleet.describe(process)}`));
    killAll(left);
  }
  const failures = tally.failures(FAULT_KINDS);
  const growth = options.rssMargin === undefined ? undefined : rss.growth(options.rssMargin);
  if (growth) failures.push(growth);
  const refusals = logLines(options.logFile, '"msg":"audit: request refused"');
  if (refusals.length) failures.push(`${refusals.length} refusals in the audit log, though every caller was allowed`);
  const logged = [...logLines(options.logFile, '"level":"error"'), ...refusals].slice(0, 10);
  return { tally, rss, requests, durationMs: performance.now() - started, stationRestarts: station.restarts, logged, failures };
}

function logLines(logFile: string, marker: string): string[] {
  const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
  return text.split("\n").filter((line) => line.includes(marker));
}

/** The report as text: the counts table, the RSS figures, the samples of what failed, the verdict. */
export function formatReport(report: SoakReport): string {
  const seconds = report.durationMs / 1000;
  const lines = [
    report.tally.table(),
    `${report.requests} load requests in ${seconds.toFixed(0)} s (${(report.requests / seconds).toFixed(0)}/s), station killed ${report.stationRestarts}×`,
    "station RSS (end of each phase; floor and peak of readings every second in a round):",
    ...report.rss.lines(),
  ];
  if (report.tally.samples.length) lines.push("samples:", ...report.tally.samples.map((s) => `  ${s}`));
  if (report.tally.leftovers.length) lines.push("left behind:", ...report.tally.leftovers.map((s) => `  ${s}`));
  if (report.tally.lost.length) lines.push("not restored:", ...report.tally.lost.map((s) => `  ${s}`));
  if (report.logged.length) lines.push("station log:", ...report.logged.map((s) => `  ${s.slice(0, 1500)}`));
  lines.push(report.failures.length ? `verdict: FAIL (${report.failures.join("; ")})` : "verdict: pass");
  return lines.join("\n");
}
