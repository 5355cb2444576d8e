/**
 * Runs the official MCP conformance suite (@modelcontextprotocol/conformance,
 * server scenarios) twice and compares:
 *   1. baseline: vendor/mcp-conformance/everything-server.ts behind the SDK's own Streamable HTTP transport;
 *   2. station:  the same server over stdio, behind MCP Station's /sessions/{id}/mcp.
 * The suite's CLI needs Node 22's fs.globSync, so it runs under Bun.
 *
 *   bun run test/conformance/run.ts [--spec-version 2025-11-25] [--spec-version 2026-07-28]
 *
 * Writes test/conformance/results.md (a table per spec version) and prints it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../setup/paths.ts";
import { createStation } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { silentLogger } from "../../src/log.ts";
import { TEST_ENV } from "../support/station.ts";

const BUN = process.execPath;
const CLI = join(REPO_ROOT, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js");
const SERVER = join(REPO_ROOT, "vendor", "mcp-conformance", "everything-server.ts");

const requested = process.argv.flatMap((arg, i) => (arg === "--spec-version" ? [process.argv[i + 1]] : []));
const versions = requested.length > 0 ? requested : ["2025-11-25", "2026-07-28"];
/** "active" (the default: released scenarios), or "all" to include the draft and pending ones. */
const suite = process.argv.includes("--suite") ? process.argv[process.argv.indexOf("--suite") + 1] : "active";
const resultsFile = join(REPO_ROOT, "test", "conformance", suite === "active" ? "results.md" : `results-${suite}.md`);

type Outcome = { passed: number; failed: number };

async function runSuite(url: string, version: string): Promise<{ scenarios: Map<string, Outcome>; output: string }> {
  const child = Bun.spawn([BUN, CLI, "server", "--url", url, "--spec-version", version, "--suite", suite], {
    stdout: "pipe",
    stderr: "pipe",
    cwd: "/tmp",
  });
  const [stdout, stderr] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
  await child.exited;
  const scenarios = new Map<string, Outcome>();
  const summary = stdout.slice(stdout.indexOf("=== SUMMARY ==="));
  for (const match of summary.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed/gmu)) {
    scenarios.set(match[1], { passed: Number(match[2]), failed: Number(match[3]) });
  }
  return { scenarios, output: stdout + stderr };
}

async function freePort(): Promise<number> {
  const server = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = server.port!;
  server.stop(true);
  return port;
}

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
const baseline = Bun.spawn([BUN, SERVER, "--http", String(port)], { stdout: "ignore", stderr: "ignore" });
// The station refuses every Origin not on MCP_STATION_ALLOWED_ORIGINS (none by default). The suite's
// dns-rebinding scenario expects a page served from the station's own localhost origin to be accepted,
// so that one origin is allowed here, as an operator would.
const stationPort = await freePort();
const { app, manager } = createStation(
  loadConfig({
    ...TEST_ENV,
    MCP_STATION_PORT: String(stationPort),
    MCP_STATION_REQUEST_TIMEOUT_MS: "30000",
    MCP_STATION_ALLOWED_ORIGINS: `http://localhost:${stationPort}`,
  }),
  silentLogger,
);
app.listen({ hostname: "127.0.0.1", port: stationPort });
const stationUrl = `http://localhost:${stationPort}`;
const station = {
  create: async (spec: Record<string, unknown>) => {
    const res = await fetch(`${stationUrl}/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
    return { status: res.status, body: (await res.json()) as any };
  },
  remove: (id: string) => fetch(`${stationUrl}/sessions/${id}`, { method: "DELETE" }),
  stop: async () => {
    await manager.shutdown();
    await app.stop(true);
  },
};
const lines: string[] = ["# Conformance: the SDK's own Streamable HTTP transport vs MCP Station", ""];
lines.push(
  `Suite: @modelcontextprotocol/conformance ${(await Bun.file(join(REPO_ROOT, "node_modules/@modelcontextprotocol/conformance/package.json")).json()).version}, server scenarios (suite: ${suite}), run ${new Date().toISOString()}.`,
  "Server: vendor/mcp-conformance/everything-server.ts (the suite's reference everything-server on SDK v1 1.32.2).",
  "Baseline: that server behind StreamableHTTPServerTransport (stateful, event store). Station: the same server over stdio behind /sessions/{id}/mcp,",
  "with MCP_STATION_ALLOWED_ORIGINS=http://localhost:<station port> (by default the station refuses every Origin, so the suite's",
  "dns-rebinding check that a same-host localhost Origin is accepted fails without it; the check that a foreign Host/Origin is refused passes either way).",
  "",
);
let regressions = 0;
try {
  await waitListening(`http://127.0.0.1:${port}/mcp`);
  for (const version of versions) {
    const created = await station.create({
      server_type: "command",
      server_command: BUN,
      server_args: [SERVER],
      client_capabilities: { sampling: {}, elicitation: {} },
    });
    if (created.status !== 200) throw new Error(`session not created: ${JSON.stringify(created.body)}`);
    const [base, ours] = await Promise.all([
      runSuite(`http://localhost:${port}/mcp`, version),
      runSuite(`${stationUrl}/sessions/${created.body.session_id}/mcp`, version),
    ]);
    writeFileSync(`/tmp/conformance-${version}-baseline.txt`, base.output);
    writeFileSync(`/tmp/conformance-${version}-station.txt`, ours.output);
    const names = [...new Set([...base.scenarios.keys(), ...ours.scenarios.keys()])];
    const mark = (o: Outcome | undefined) => (o ? `${o.failed === 0 ? "pass" : "FAIL"} (${o.passed}/${o.passed + o.failed})` : "not run");
    const count = (m: Map<string, Outcome>) => [...m.values()].filter((o) => o.failed === 0).length;
    lines.push(
      `## --spec-version ${version}`,
      "",
      `Baseline passes ${count(base.scenarios)}/${base.scenarios.size} scenarios; the station passes ${count(ours.scenarios)}/${ours.scenarios.size}.`,
      "",
    );
    lines.push("| scenario | SDK transport | MCP Station |", "| --- | --- | --- |");
    for (const name of names) {
      const b = base.scenarios.get(name);
      const s = ours.scenarios.get(name);
      if (b?.failed === 0 && s?.failed !== 0) regressions++;
      lines.push(`| ${name} | ${mark(b)} | ${mark(s)} |`);
    }
    lines.push("");
    await station.remove(created.body.session_id);
  }
} finally {
  baseline.kill();
  await station.stop();
}
lines.push(`Scenarios that pass on the SDK transport but not through the station: ${regressions}.`);
const report = lines.join("\n");
writeFileSync(resultsFile, `${report}\n`);
console.log(report);
process.exit(regressions === 0 ? 0 : 1);
