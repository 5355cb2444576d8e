/**
 * Turns the measured paths into the printed table, the station/peer ratios, the targets of issue 8
 * met or missed, and the JSON written to bench/results/peers.json.
 *
 * @example
 *   console.log(formatPaths(paths), formatRatios(ratios(paths)), formatTargets(checkTargets(paths)));
 */
import type { MeasuredRun } from "./measure.ts";

export interface PathResult {
  server: string;
  serverLabel: string;
  path: string;
  label: string;
  /** Why the path was not measured, when it was not. */
  unavailable?: string;
  coldStartMs?: number;
  rssIdleKb?: number;
  rssLoadKb?: number;
  c1: MeasuredRun[];
  c64: MeasuredRun[];
}

export interface Ratio {
  server: string;
  station: string;
  peer: string;
  /** station's c=64 throughput over the peer's (higher is better for the station). */
  throughputC64: number;
  /** station's p50 over the peer's (lower is better for the station). */
  p50C1: number;
  p50C64: number;
  rssIdle: number;
  coldStart: number;
  /** station's own CPU per request at c=64 over the peer's. */
  gatewayCpuC64: number;
}

export interface TargetCheck {
  station: string;
  peer: string;
  what: string;
  want: string;
  got: string;
  met: boolean;
}

export const PEER_KEYS = ["supergateway", "mcp-proxy", "mcpo"];
export const STATION_KEYS = ["station", "station-binary", "station-session-mcp"];

/** The lowest (or highest) of one figure over a path's runs; NaN when there are none. */
const lowest = (runs: MeasuredRun[], pick: (r: MeasuredRun) => number) => (runs.length ? Math.min(...runs.map(pick)) : Number.NaN);
const highest = (runs: MeasuredRun[], pick: (r: MeasuredRun) => number) => (runs.length ? Math.max(...runs.map(pick)) : Number.NaN);

/**
 * A path's figures for the ratios: the best of its runs (highest throughput, lowest latency and
 * CPU). Other work on a shared machine only ever slows a run down, so the best run is the closest
 * to what the path can do; the table shows every run beside it.
 */
export function summary(p: PathResult) {
  return {
    p50C1: lowest(p.c1, (r) => r.p50Ms),
    p99C1: lowest(p.c1, (r) => r.p99Ms),
    rpsC64: highest(p.c64, (r) => r.rps),
    p50C64: lowest(p.c64, (r) => r.p50Ms),
    errors: [...p.c1, ...p.c64].reduce((n, r) => n + r.errors.total, 0),
    gatewayCpuUsC64: lowest(p.c64, (r) => r.cpu.gatewayUs ?? Number.NaN),
  };
}

export function ratios(paths: PathResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const station of paths.filter((p) => STATION_KEYS.includes(p.path) && !p.unavailable)) {
    for (const peer of paths.filter((p) => p.server === station.server && PEER_KEYS.includes(p.path) && !p.unavailable)) {
      const s = summary(station);
      const q = summary(peer);
      out.push({
        server: station.server,
        station: station.path,
        peer: peer.path,
        throughputC64: s.rpsC64 / q.rpsC64,
        p50C1: s.p50C1 / q.p50C1,
        p50C64: s.p50C64 / q.p50C64,
        rssIdle: (station.rssIdleKb ?? Number.NaN) / (peer.rssIdleKb ?? Number.NaN),
        coldStart: (station.coldStartMs ?? Number.NaN) / (peer.coldStartMs ?? Number.NaN),
        gatewayCpuC64: s.gatewayCpuUsC64 / q.gatewayCpuUsC64,
      });
    }
  }
  return out;
}

/** Issue 8's targets, on the SDK echo server: >= 10x supergateway's and >= 20x the Python peers' c=64 throughput, p50 <= 0.3x, zero errors, less idle memory. */
export function checkTargets(paths: PathResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const fx = (x: number) => `${x.toFixed(2)}x`;
  for (const r of ratios(paths).filter((r) => r.server === "sdk")) {
    const want = r.peer === "supergateway" ? 10 : 20;
    checks.push({
      station: r.station,
      peer: r.peer,
      what: "throughput c=64",
      want: `>= ${want}x`,
      got: fx(r.throughputC64),
      met: r.throughputC64 >= want,
    });
    checks.push({ station: r.station, peer: r.peer, what: "p50 c=64", want: "<= 0.3x", got: fx(r.p50C64), met: r.p50C64 <= 0.3 });
    checks.push({ station: r.station, peer: r.peer, what: "p50 c=1", want: "<= 0.3x", got: fx(r.p50C1), met: r.p50C1 <= 0.3 });
    checks.push({ station: r.station, peer: r.peer, what: "idle RSS", want: "< 1x", got: fx(r.rssIdle), met: r.rssIdle < 1 });
  }
  for (const p of paths.filter((p) => p.server === "sdk" && STATION_KEYS.includes(p.path) && !p.unavailable)) {
    const errors = summary(p).errors;
    checks.push({ station: p.path, peer: "-", what: "errors", want: "0", got: String(errors), met: errors === 0 });
  }
  return checks;
}

const num = (x: number | undefined, digits = 2) => (x === undefined || Number.isNaN(x) ? "-" : x.toFixed(digits));
const mb = (kb: number | undefined) => (kb === undefined ? "-" : (kb / 1024).toFixed(1));
const both = (runs: MeasuredRun[], pick: (r: MeasuredRun) => number | undefined, digits: number) =>
  runs.map((r) => num(pick(r), digits)).join(" / ") || "-";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function formatPaths(paths: PathResult[]): string {
  const out: string[] = [];
  for (const server of [...new Set(paths.map((p) => p.server))]) {
    const group = paths.filter((p) => p.server === server);
    out.push(`\n${group[0]!.serverLabel}  (each run's figure shown: run 1 / run 2)`);
    const measured = group.filter((p) => !p.unavailable);
    const speed = measured.map((p) => [
      p.path,
      both(p.c1, (r) => r.p50Ms, 2),
      both(p.c1, (r) => r.p99Ms, 2),
      both(p.c64, (r) => r.rps, 0),
      both(p.c64, (r) => r.p50Ms, 1),
      `${p.c1.map((r) => r.errors.total).join("/")} | ${p.c64.map((r) => r.errors.total).join("/")}`,
    ]);
    out.push(table(["path", "p50 ms c=1", "p99 ms c=1", "req/s c=64", "p50 ms c=64", "errors c=1 | c=64"], speed));
    const cost = measured.map((p) => [
      p.path,
      both(p.c64, (r) => r.cpu.gatewayUs, 0),
      both(p.c64, (r) => r.cpu.serverUs, 0),
      both(p.c64, (r) => r.cpu.clientUs, 0),
      mb(p.rssIdleKb),
      mb(p.rssLoadKb),
      num(p.coldStartMs, 0),
    ]);
    out.push("");
    out.push(
      table(["path", "CPU us/req c=64: gateway", "echo server", "bench client", "RSS idle MB", "RSS load MB", "cold start ms"], cost),
    );
    for (const p of group.filter((p) => p.unavailable)) out.push(`${p.path}: not measured: ${p.unavailable}`);
  }
  return out.join("\n");
}

export function formatRatios(list: Ratio[]): string {
  const rows = list.map((r) => [
    `${r.server}: ${r.station} / ${r.peer}`,
    num(r.throughputC64),
    num(r.p50C1),
    num(r.p50C64),
    num(r.gatewayCpuC64, 3),
    num(r.rssIdle),
    num(r.coldStart),
  ]);
  return table(
    ["station / peer (best run of each)", "req/s c=64", "p50 c=1", "p50 c=64", "gateway CPU/req c=64", "RSS idle", "cold start"],
    rows,
  );
}

export function formatTargets(checks: TargetCheck[]): string {
  const rows = checks.map((c) => [`${c.station} vs ${c.peer}`, c.what, c.want, c.got, c.met ? "met" : "MISSED"]);
  return table(["SDK echo server", "target", "want", "got", "verdict"], rows);
}
