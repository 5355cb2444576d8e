/**
 * A schema-driven fuzz run: schemathesis (PyPI, in the git-ignored venv
 * .venv-fuzz) against the station's own /openapi/json, with a key, under the
 * registry policy so that no generated server_command can run anything.
 * Prints the cases tried and the server errors (5xx) found; exits 1 on any.
 *
 *   python3 -m venv .venv-fuzz && .venv-fuzz/bin/pip install schemathesis
 *   bun run test/security/fuzz/run.ts [max-examples-per-operation]
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createStation } from "../../../src/app.ts";
import { loadConfig } from "../../../src/config.ts";
import { createLogger } from "../../../src/log.ts";
import { REPO_ROOT, fixture } from "../../setup/paths.ts";

const KEY = "fuzz-key-0123456789abcdef";
const maxExamples = process.argv[2] ?? "200";
const dir = mkdtempSync(join(tmpdir(), "mcp-station-fuzz-"));
const serversFile = join(dir, "servers.json");
writeFileSync(
  serversFile,
  JSON.stringify({ mcpServers: { echo: { command: fixture("echo.mjs"), station: { allow_env: ["DEBUG"], allow_args: true } } } }),
);

const errors: string[] = [];
let createdSessions = 0;
const log = createLogger("info", (line) => {
  const record = JSON.parse(line);
  if (record.level === "error") errors.push(line);
  if (record.msg === "audit: session created") createdSessions += 1;
});
const createdCount = () => createdSessions;
const config = loadConfig({
  MCP_STATION_HOST: "127.0.0.1",
  MCP_STATION_PORT: "0",
  MCP_STATION_API_KEYS: KEY,
  MCP_STATION_SERVERS_FILE: serversFile,
  MCP_STATION_MAX_SESSIONS: "40",
  MCP_STATION_REQUEST_TIMEOUT_MS: "2000",
  MCP_STATION_EXITED_TTL_MS: "1000",
});
const { app, manager } = createStation(config, log);
app.listen({ hostname: "127.0.0.1", port: 0 });
const base = `http://127.0.0.1:${app.server!.port}`;
const report = join(dir, "report.ndjson");

// Real session ids and the registered name, offered to the generator most of the time, so that
// generated requests reach live sessions and a running server, not only the 404 and 400 paths.
const ids: string[] = [];
for (let i = 0; i < 3; i++) {
  const res = await fetch(`${base}/sessions`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify({ server: "echo" }),
  });
  ids.push(((await res.json()) as { session_id: string }).session_id);
}
const configFile = join(dir, "schemathesis.toml");
writeFileSync(
  configFile,
  [
    "[dictionaries.sessions]",
    `values = ${JSON.stringify(ids)}`,
    "[dictionaries.servers]",
    'values = ["echo"]',
    "[parameters]",
    '"path.session_id" = { dictionary = "sessions", probability = 0.7 }',
    '"body.session_id" = { dictionary = "sessions", probability = 0.7 }',
    '"body.server" = { dictionary = "servers", probability = 0.7 }',
    // 502 (the server died or answered too much), 503 (capacity) and 504 (the caller's own timeout_ms passed)
    // are the station's designed answers about a child or a limit; a 500 is a station bug and fails the run.
    "[checks.not_a_server_error]",
    'expected-statuses = ["2XX", "3XX", "4XX", 502, 503, 504]',
    "",
  ].join("\n"),
);

const proc = Bun.spawn(
  [
    `${REPO_ROOT}/.venv-fuzz/bin/schemathesis`,
    "--config-file",
    configFile,
    "run",
    `${base}/openapi/json`,
    "--url",
    base,
    "-H",
    `Authorization: Bearer ${KEY}`,
    "--checks",
    process.env.FUZZ_CHECKS ?? "not_a_server_error",
    "--max-examples",
    maxExamples,
    "--seed",
    "20100",
    // One worker: with several, Hypothesis's lambda-source introspection (Python's ast, not thread-safe)
    // fails now and then with "AST constructor recursion depth mismatch" in the coverage phase.
    "--workers",
    process.env.FUZZ_WORKERS ?? "1",
    "--request-timeout",
    "10",
    "--no-color",
    "--report",
    "ndjson",
    "--report-ndjson-path",
    report,
  ],
  { stdout: "pipe", stderr: "pipe", env: { ...process.env, SCHEMATHESIS_HOOKS: "" } },
);
const out = await new Response(proc.stdout).text();
const err = await new Response(proc.stderr).text();
const code = await proc.exited;
const created = createdCount();
await manager.shutdown();
await app.stop(true);

console.log(process.env.FUZZ_FULL ? out : out.split("\n").slice(-40).join("\n"));
if (err.trim()) console.error(err.slice(-2000));
console.log(`schemathesis exit ${code}; station errors logged: ${errors.length}; sessions created during the run: ${created}`);
for (const line of errors.slice(0, 5)) console.log(line.slice(0, 500));
console.log(`ndjson report: ${report}`);
process.exit(code === 0 && errors.length === 0 ? 0 : 1);
