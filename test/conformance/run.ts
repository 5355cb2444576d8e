/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance,
 * server scenarios) through MCP Station against a server of each era, and
 * against the SDK's own transport as a baseline:
 *   - SDK transport: vendor/mcp-conformance/everything-server.ts (the suite's reference server, SDK v1,
 *     legacy era) behind the SDK's own Streamable HTTP transport;
 *   - station, legacy server: the same server over stdio, behind /sessions/{id}/mcp;
 *   - station, 2026-07-28 server: test/conformance/everything-server-v2.ts (SDK v2 2.4.0) over stdio,
 *     behind /sessions/{id}/mcp.
 * Each target gets three runs: --spec-version 2025-11-25 and 2026-07-28 of the active suite, and
 * 2026-07-28 of `--suite all` (draft and pending scenarios too). The suite's CLI needs Node 22's
 * fs.globSync, so it runs under Bun.
 *
 *   npm run conformance                                       # every run; writes results.md and results-all.md
 *   bun test/conformance/run.ts --spec-version 2026-07-28 --suite all    # that run only: printed, nothing written
 *
 * Exits 1 when a scenario passes on the SDK transport but not through the station.
 */
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createStation } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { REPO_ROOT } from "../setup/paths.ts";
import { TEST_ENV } from "../support/station.ts";

const BUN = process.execPath;
const CLI = join(REPO_ROOT, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const REFERENCE = join(REPO_ROOT, "vendor", "mcp-conformance", "everything-server.ts");
const V2 = join(REPO_ROOT, "test", "conformance", "everything-server-v2.ts");
const RESULTS = join(REPO_ROOT, "test", "conformance");

interface Run {
  version: string;
  suite: "active" | "all";
}
const ALL_RUNS: Run[] = [
  { version: "2025-11-25", suite: "active" },
  { version: "2026-07-28", suite: "active" },
  { version: "2026-07-28", suite: "all" },
];
const option = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = ALL_RUNS.filter(
  (run) => (option("--spec-version") ?? run.version) === run.version && (option("--suite") ?? run.suite) === run.suite,
);
const everything = runs.length === ALL_RUNS.length;

type Outcome = { passed: number; failed: number };
type Scenarios = Map<string, Outcome>;

async function runSuite(url: string, run: Run, label: string): Promise<Scenarios> {
  const out = `/tmp/conformance-${run.version}-${run.suite}-${label}`;
  rmSync(out, { recursive: true, force: true });
  // The suite's output names failing scenarios only; -o keeps every check, with its reason, under `out`.
  const child = Bun.spawn([BUN, CLI, "server", "--url", url, "--spec-version", run.version, "--suite", run.suite, "-o", out], {
    stdout: "pipe",
    stderr: "pipe",
    cwd: "/tmp",
  });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  writeFileSync(`${out}.txt`, stdout + stderr);
  const scenarios: Scenarios = new Map();
  const summary = stdout.slice(stdout.indexOf("=== SUMMARY ==="));
  for (const match of summary.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed/gmu)) {
    scenarios.set(match[1], { passed: Number(match[2]), failed: Number(match[3]) });
  }
  return scenarios;
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

/** Waits for the baseline server to listen: it is a separate process with no readiness signal but its port. */
async function waitListening(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url, { method: "GET" });
      return;
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`${url} never answered`);
}

const port = await freePort();
const baseline = Bun.spawn([BUN, REFERENCE, "--http", String(port)], { stdout: "ignore", stderr: "ignore" });
// The station refuses every Origin not on MCP_STATION_ALLOWED_ORIGINS (none by default). The suite's
// dns-rebinding scenario expects a page served from the station's own localhost origin to be accepted,
// so that one origin is allowed here, as an operator would.
const stationPort = await freePort();
const { app, manager } = createStation(
  loadConfig({
    ...TEST_ENV,
    MCP_STATION_PORT: String(stationPort),
    MCP_STATION_REQUEST_TIMEOUT_MS: "30000",
    // A server loaded on a busy machine may answer its probe late; the station would then send initialize too,
    // which pins the v2 server to the legacy era (docs/mcp.md, finding the era). These runs want it modern.
    MCP_STATION_PROBE_TIMEOUT_MS: "15000",
    MCP_STATION_ALLOWED_ORIGINS: `http://localhost:${stationPort}`,
  }),
  silentLogger,
);
app.listen({ hostname: "127.0.0.1", port: stationPort });
const stationUrl = `http://localhost:${stationPort}`;

/** A fresh session of `server` on the station for one run (speaking `era` to it), and its MCP endpoint. */
async function session(server: string, era: "legacy" | "modern"): Promise<{ url: string; remove(): Promise<unknown> }> {
  const res = await fetch(`${stationUrl}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ server_command: BUN, server_args: [server], client_capabilities: { sampling: {}, elicitation: {} } }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`session of ${server} not created: ${JSON.stringify(body)}`);
  if (body.era !== era) throw new Error(`session of ${server} speaks ${body.era}, not ${era}: the run would not test what it says`);
  return {
    url: `${stationUrl}/sessions/${body.session_id}/mcp`,
    remove: () => fetch(`${stationUrl}/sessions/${body.session_id}`, { method: "DELETE" }),
  };
}

const mark = (o: Outcome | undefined) => (o ? `${o.failed === 0 ? "pass" : "FAIL"} (${o.passed}/${o.passed + o.failed})` : "not run");
const count = (m: Scenarios) => `${[...m.values()].filter((o) => o.failed === 0).length}/${m.size}`;

const sections = new Map<Run["suite"], string[]>();
/** Scenarios that pass on the SDK transport but not through the station, by suite. */
const regressions = new Map<Run["suite"], number>();
try {
  await waitListening(`http://127.0.0.1:${port}/mcp`);
  for (const run of runs) {
    const [reference, modern] = await Promise.all([session(REFERENCE, "legacy"), session(V2, "modern")]);
    const [base, legacyServer, modernServer] = await Promise.all([
      runSuite(`http://localhost:${port}/mcp`, run, "sdk-transport"),
      runSuite(reference.url, run, "station-legacy-server"),
      runSuite(modern.url, run, "station-v2-server"),
    ]);
    await Promise.all([reference.remove(), modern.remove()]);
    const lines = [
      `## --spec-version ${run.version}, suite ${run.suite}`,
      "",
      `SDK transport ${count(base)}; through the station: legacy server ${count(legacyServer)}, 2026-07-28 server ${count(modernServer)}.`,
      "",
      "| scenario | SDK transport (reference server) | station, legacy server (reference) | station, 2026-07-28 server (SDK v2) |",
      "| --- | --- | --- | --- |",
    ];
    for (const name of new Set([...base.keys(), ...legacyServer.keys(), ...modernServer.keys()])) {
      const b = base.get(name);
      const s = legacyServer.get(name);
      if (b?.failed === 0 && s?.failed !== 0) regressions.set(run.suite, (regressions.get(run.suite) ?? 0) + 1);
      lines.push(`| ${name} | ${mark(b)} | ${mark(s)} | ${mark(modernServer.get(name))} |`);
    }
    lines.push("");
    sections.set(run.suite, [...(sections.get(run.suite) ?? []), ...lines]);
  }
} finally {
  baseline.kill();
  await manager.shutdown();
  await app.stop(true);
}

const version = (await Bun.file(join(REPO_ROOT, "node_modules/@modelcontextprotocol/conformance/package.json")).json()).version;
const header = (suite: string) => [
  `# Conformance through MCP Station (suite: ${suite})`,
  "",
  `@modelcontextprotocol/conformance ${version}, server scenarios, run ${new Date().toISOString()} by \`npm run conformance\` (test/conformance/run.ts).`,
  "",
  "- SDK transport: vendor/mcp-conformance/everything-server.ts (the suite's reference server on SDK v1 1.32.2, legacy era) behind the SDK's own",
  "  StreamableHTTPServerTransport (stateful, event store): the baseline.",
  "- Station, legacy server: the same server over stdio, behind /sessions/{id}/mcp.",
  "- Station, 2026-07-28 server: test/conformance/everything-server-v2.ts (@modelcontextprotocol/server 2.4.0, serveStdio) over stdio, behind /sessions/{id}/mcp.",
  "",
  "The station runs with MCP_STATION_ALLOWED_ORIGINS=http://localhost:<station port> (the suite's dns-rebinding scenario expects a same-host",
  "localhost Origin to be accepted; a foreign Host or Origin is refused either way) and MCP_STATION_PROBE_TIMEOUT_MS=15000 (so that a server",
  "slow to start on a busy machine is still probed into the era it is meant to test). How to read it: docs/mcp.md#conformance.",
  "",
];
const report: string[] = [];
for (const [suite, lines] of sections) {
  const found = regressions.get(suite) ?? 0;
  const text = [...header(suite), ...lines, `Scenarios that pass on the SDK transport but not through the station: ${found}.`, ""].join(
    "\n",
  );
  if (everything) writeFileSync(join(RESULTS, suite === "active" ? "results.md" : `results-${suite}.md`), text);
  report.push(text);
}
console.log(report.join("\n"));
if (!everything) console.log("(a partial run: the results files were not written)");
process.exit([...regressions.values()].some((n) => n > 0) ? 1 : 0);
