/**
 * `bun run bench:peers`: MCP Station measured against what users would pick instead —
 * supergateway, mcp-proxy and mcpo — in one run, on the same echo servers, on this machine.
 *
 *   bun run bench:peers                         # 5 s runs, 1 s warm-up, both servers, every path
 *   bun run bench:peers --quick                 # 1.5 s runs: a smoke check, not figures to quote
 *   bun run bench:peers --duration=10000 --servers=sdk --paths=station,supergateway
 *   bun run bench:peers --servers=sdk --paths=station --station-profile   # + a CPU profile of the station (bench/.peers/station-profile/)
 *   bun run bench:peers --servers=sdk --paths=direct,station --duration=1000 --warmup=200   # a smoke run that needs no peer installed
 *
 * Steps: install the peers, pinned, into bench/.peers (bench/peers/install.ts); re-run itself in a
 * network namespace with only loopback (bench/peers/netns.ts); per echo server, launch every path
 * and time its cold start, read its idle memory, warm it up; then two rounds over all paths of one
 * run at concurrency 1 and one at 64 (bench/peers/measure.ts); print the table, the station/peer
 * ratios and the targets; write bench/results/peers.json. A run of only some servers or paths, or a
 * --quick one, writes bench/.peers/peers-partial.json instead, so it never replaces the full run the
 * docs quote; and it installs only the peers it measures.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { serverProcesses } from "./peers/gateway-tree.ts";
import { ROOT } from "./lib/procs.ts";
import { installPeers, PINS, peerPaths } from "./peers/install.ts";
import { type LivePath, measureIdle, measureRun, startPath, warmUp } from "./peers/measure.ts";
import { loopbackNamespace } from "./peers/netns.ts";
import { checkTargets, formatPaths, formatRatios, formatTargets, PEER_KEYS, type PathResult, ratios } from "./peers/report.ts";
import { PathUnavailable, SERVERS, STATION_BINARY, TARGETS } from "./peers/targets.ts";

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=", 2);
    return [k!, v ?? "true"] as const;
  }),
);
const quick = args.has("quick");
const durationMs = Number(args.get("duration") ?? (quick ? 1500 : 5000));
const warmupMs = Number(args.get("warmup") ?? (quick ? 500 : 1000));
const rounds = Math.max(2, Number(args.get("rounds") ?? 2));
const serverKeys = (args.get("servers") ?? SERVERS.map((s) => s.key).join(",")).split(",");
const pathKeys = (args.get("paths") ?? TARGETS.map((t) => t.key).join(",")).split(",");
const partial = quick || args.has("servers") || args.has("paths");
const log = (line: string) => console.error(line);
if (args.has("station-profile"))
  process.env.BENCH_STATION_FLAGS = `--cpu-prof-md --cpu-prof-dir=${join(ROOT, "bench", ".peers", "station-profile")}`;

// The peers' gateways, and the venv's python that runs the FastMCP server.
const needsPeers = pathKeys.some((key) => PEER_KEYS.includes(key)) || serverKeys.includes("fastmcp");
const peers = needsPeers ? installPeers(log) : peerPaths();

const IN_NAMESPACE = "BENCH_PEERS_NETWORK";
if (!process.env[IN_NAMESPACE] && !args.has("no-netns")) {
  const ns = loopbackNamespace();
  if (ns) {
    log(`peers: measuring inside a network namespace: ${ns.how}`);
    const child = Bun.spawn([...ns.prefix, process.execPath, import.meta.path, ...process.argv.slice(2)], {
      cwd: ROOT,
      env: { ...process.env, [IN_NAMESPACE]: ns.how },
      stdio: ["inherit", "inherit", "inherit"],
    });
    process.exit(await child.exited);
  }
  log(
    "peers: WARNING no network namespace available (unshare -n / -rn failed): running on the host network; supergateway listens on all interfaces meanwhile",
  );
}
const network = process.env[IN_NAMESPACE] ?? "host network (supergateway listened on all interfaces during the run)";

if (pathKeys.includes("station-binary")) {
  // The binary is compiled from the source being measured, so the two station rows are the same code.
  log("peers: compiling the station (build.ts --outfile=bench/.peers/mcp-station)");
  rmSync(STATION_BINARY, { force: true });
  const build = Bun.spawnSync([process.execPath, "build.ts", `--outfile=${STATION_BINARY}`], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
  });
  if (build.exitCode !== 0) log(`peers: build failed, the binary row is skipped:\n${build.stderr.toString().slice(-2000)}`);
}

const results: PathResult[] = [];
for (const server of SERVERS.filter((s) => serverKeys.includes(s.key))) {
  log(`\n== ${server.label}`);
  const live: LivePath[] = [];
  for (const target of TARGETS.filter((t) => pathKeys.includes(t.key))) {
    const base = { server: server.key, serverLabel: server.label, path: target.key, label: target.label, c1: [], c64: [] };
    try {
      const path = await startPath(target, server, peers);
      await measureIdle(path);
      log(`${target.key}: cold start ${path.coldStartMs.toFixed(0)} ms, idle RSS ${path.rssIdleKb ?? "-"} kB; warming up`);
      await warmUp(path, warmupMs);
      live.push(path);
    } catch (error) {
      if (!(error instanceof PathUnavailable)) throw error;
      log(`${target.key}: not measured: ${error.message}`);
      results.push({ ...base, unavailable: error.message });
    }
  }
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const path of live) {
        path.c1.push(await measureRun(path, 1, durationMs));
        path.c64.push(await measureRun(path, 64, durationMs));
        const [a, b] = [path.c1.at(-1)!, path.c64.at(-1)!];
        log(
          `round ${round} ${path.target.key}: c=1 p50 ${a.p50Ms.toFixed(2)} ms; c=64 ${b.rps.toFixed(0)} req/s, gateway ${b.cpu.gatewayUs?.toFixed(0) ?? "-"} us CPU/req; errors ${a.errors.total + b.errors.total}`,
        );
      }
    }
  } finally {
    await Promise.all(live.map((p) => p.launched.stop()));
  }
  for (const p of live) {
    results.push({
      server: server.key,
      serverLabel: server.label,
      path: p.target.key,
      label: p.target.label,
      coldStartMs: p.coldStartMs,
      rssIdleKb: p.rssIdleKb,
      rssLoadKb: p.rssLoadKb,
      c1: p.c1,
      c64: p.c64,
    });
  }
}

const order = (r: PathResult) => SERVERS.findIndex((s) => s.key === r.server) * 100 + TARGETS.findIndex((t) => t.key === r.path);
results.sort((a, b) => order(a) - order(b));

const version = (cmd: string[]) => {
  try {
    return Bun.spawnSync(cmd, { stdout: "pipe", stderr: "pipe" }).stdout.toString().trim() || "?";
  } catch {
    return "?";
  }
};
const meta = {
  command: `bun run bench:peers ${process.argv.slice(2).join(" ")}`.trim(),
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "?", cores: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), kernel: release() },
  network,
  versions: {
    station: (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version,
    bun: Bun.version,
    node: version(["node", "--version"]),
    python: version([peers.python, "--version"]),
    ...(needsPeers ? PINS : {}),
    "@modelcontextprotocol/sdk": (
      JSON.parse(readFileSync(join(ROOT, "node_modules/@modelcontextprotocol/sdk/package.json"), "utf8")) as { version: string }
    ).version,
  },
  method: {
    durationMs,
    warmupMs,
    rounds,
    note: "closed loop; each request has its own JSON-RPC id and token and each answer is checked against its request; ratios use the best run of each path (highest req/s, lowest p50 and CPU: other work on the machine only slows a run); RSS = VmRSS summed over the gateway's process tree without the MCP server's subtree",
  },
};

const ratioList = ratios(results);
const checks = checkTargets(results);
console.log(
  `\nMCP Station vs peers — ${meta.date}, ${meta.machine.cpu} x${meta.machine.cores}, ${meta.machine.memoryGiB} GiB, Linux ${meta.machine.kernel}`,
);
console.log(`network: ${network}; runs of ${durationMs} ms x ${rounds} after ${warmupMs} ms warm-up at c=1 and c=64`);
console.log(
  Object.entries(meta.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", "),
);
console.log(formatPaths(results));
console.log(`\n${formatRatios(ratioList)}`);
console.log(`\n${formatTargets(checks)}`);
for (const r of results)
  for (const run of [...r.c1, ...r.c64])
    for (const sample of run.errorSamples) console.log(`error ${r.server}/${r.path} c=${run.concurrency}: ${sample}`);

const output = partial ? join("bench", ".peers", "peers-partial.json") : join("bench", "results", "peers.json");
mkdirSync(join(ROOT, output, ".."), { recursive: true });
writeFileSync(join(ROOT, output), `${JSON.stringify({ ...meta, paths: results, ratios: ratioList, targets: checks }, null, 2)}\n`);
console.log(`\nwritten: ${output}`);

// Every server this run started must be gone: a leftover is a bug in the bench's clean-up.
const leftovers = serverProcesses();
if (leftovers.length) console.error(`peers: WARNING echo server processes still running: ${leftovers.join(", ")}`);
