/**
 * deploy/observability: the alert rules pass `promtool check rules` and
 * their unit tests (`promtool test rules`), and the Grafana dashboard is
 * valid JSON whose every query parses (promtool again) and names only
 * metrics a running station exports, scraped after one call of each kind.
 * Without promtool the promtool checks are skipped, saying so.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpsStation, startOpsStation } from "../ops/support.ts";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { parseScrape } from "./scrape.ts";

const DIR = join(REPO_ROOT, "deploy", "observability");
const RULES = join(DIR, "alerts.yml");
const RULE_TESTS = join(DIR, "alerts.test.yml");
const DASHBOARD = join(DIR, "mcp-station-dashboard.json");
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, written as Grafana reads it
const DATASOURCE_VARIABLE = "${datasource}";

const promtool = Bun.which("promtool");
if (!promtool)
  console.warn(
    "promtool not on PATH: deploy/observability's rule checks and rule tests are skipped (bun run test/setup/prepare.ts installs it on Debian as root)",
  );

function runPromtool(...args: string[]): { ok: boolean; output: string } {
  const run = Bun.spawnSync([promtool!, ...args], { stdout: "pipe", stderr: "pipe" });
  return { ok: run.exitCode === 0, output: `${run.stdout.toString()}${run.stderr.toString()}` };
}

interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8"));
const panels: Panel[] = dashboard.panels.flatMap((p: Panel) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

/** What Grafana puts in for the dashboard's variables, so that a query is plain PromQL. */
function asPromql(expr: string): string {
  return expr.replaceAll("$__rate_interval", "5m").replace(/\$\{?(job|instance|server)\}?/g, ".*");
}

const NOT_METRICS = new Set([
  "and",
  "or",
  "unless",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "offset",
  "inf",
  "nan",
]);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names: string[] = [];
  for (const match of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const rest = bare.slice(match.index! + match[0].length);
    if (/^\s*\(/.test(rest) || NOT_METRICS.has(match[0].toLowerCase())) continue;
    names.push(match[0]);
  }
  return names;
}

let s: OpsStation;
let exported: Set<string>;
const work = mkdtempSync(join(tmpdir(), "mcp-station-observability-"));

beforeAll(async () => {
  s = await startOpsStation({ MCP_STATION_RESTART_BACKOFF_MS: "50" });
  const echo = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body.session_id;
  const call = (session_id: string, method: string, params?: unknown, extra: Record<string, unknown> = {}) =>
    s.call("POST", "/mcp/request", { session_id, method, params, ...extra });
  await call(echo, "tools/call", { name: "echo", arguments: { text: "ok" } });
  await call(echo, "tools/call", { name: "no-such-tool", arguments: {} });
  await call(echo, "tools/call", { name: "slow", arguments: { ms: 5000 } }, { timeout_ms: 50 });
  await call(echo, "tools/list");
  await call(echo, "no/such-method");
  const crashy = (await s.call("POST", "/sessions", { server_command: fixture("crash.mjs"), restart_policy: "on-failure" })).body
    .session_id;
  await call(crashy, "tools/call", { name: "crash", arguments: {} });
  expect(await eventually(async () => (await s.call("GET", `/sessions/${crashy}`)).body.restarts === 1, 10_000)).toBe(true);
  exported = parseScrape(await (await fetch(`${s.url}/metrics`)).text()).names();
});
afterAll(async () => {
  await s.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("the alert rules", () => {
  test.skipIf(!promtool)("pass promtool check rules", () => {
    const check = runPromtool("check", "rules", RULES);
    expect(check.output).toContain("SUCCESS");
    expect(check.ok).toBe(true);
  });

  test.skipIf(!promtool)("pass their unit tests (promtool test rules), one test or more for each alert", () => {
    const alerts: string[] = (Bun.YAML.parse(readFileSync(RULES, "utf8")) as any).groups.flatMap((g: any) =>
      g.rules.map((r: any) => r.alert),
    );
    const tested = new Set<string>(
      (Bun.YAML.parse(readFileSync(RULE_TESTS, "utf8")) as any).tests.flatMap((t: any) => t.alert_rule_test.map((a: any) => a.alertname)),
    );
    expect(alerts.filter((alert) => !tested.has(alert))).toEqual([]);
    const run = runPromtool("test", "rules", RULE_TESTS);
    expect(run.output).toContain("SUCCESS");
    expect(run.ok).toBe(true);
  });

  test("each has a for, a severity, a summary and a description, and reads only metrics the station exports", () => {
    const rules = (Bun.YAML.parse(readFileSync(RULES, "utf8")) as any).groups.flatMap((g: any) => g.rules);
    expect(rules.length).toBeGreaterThanOrEqual(5);
    for (const rule of rules) {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(["warning", "critical"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary.length).toBeGreaterThan(10);
      expect(rule.annotations.description.length).toBeGreaterThan(10);
      expect(metricNames(rule.expr).filter((name) => !exported.has(name))).toEqual([]);
    }
  });
});

describe("the Grafana dashboard", () => {
  test("is a dashboard whose data source is a variable, never a fixed one", () => {
    expect(dashboard.title).toBe("MCP Station");
    const variable = dashboard.templating.list.find((v: any) => v.type === "datasource");
    expect(variable).toMatchObject({ name: "datasource", query: "prometheus" });
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { panel, target } of queries) {
      expect(panel.datasource?.uid).toBe(DATASOURCE_VARIABLE);
      expect(target.datasource?.uid ?? DATASOURCE_VARIABLE).toBe(DATASOURCE_VARIABLE);
    }
  });

  test("has panels over requests, errors, latency, server vs station time, sessions, restarts, bytes, the store and the cap", () => {
    const read = new Set(queries.flatMap(({ target }) => metricNames(target.expr)));
    for (const name of [
      "mcp_station_server_requests_total",
      "mcp_station_server_request_duration_seconds_bucket",
      "mcp_station_mcp_server_time_seconds_bucket",
      "mcp_station_mcp_station_time_seconds_bucket",
      "mcp_station_sessions",
      "mcp_station_server_sessions",
      "mcp_station_server_restarts_total",
      "mcp_station_bytes_to_server_total",
      "mcp_station_bytes_from_server_total",
      "mcp_station_store_unsaved_sessions",
      "mcp_station_max_sessions",
    ])
      expect(read).toContain(name);
  });

  test("every query and variable names only metrics the station exports", () => {
    const unknown = queries.flatMap(({ panel, target }) =>
      metricNames(target.expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${panel.title} ${target.refId}: ${name}`),
    );
    for (const variable of dashboard.templating.list.filter((v: any) => v.type === "query")) {
      const metric = /label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(variable.definition)?.[1];
      if (!metric || !exported.has(metric)) unknown.push(`variable ${variable.name}: ${variable.definition}`);
    }
    expect(unknown).toEqual([]);
  });

  test.skipIf(!promtool)("every query parses as PromQL (promtool check rules, each as a recording rule)", () => {
    const rules = queries.map(({ panel, target }) => ({
      record: `dashboard:panel_${panel.id}_${target.refId}`,
      expr: asPromql(target.expr),
    }));
    expect(rules.length).toBeGreaterThan(10);
    const file = join(work, "dashboard-queries.yml");
    // JSON is YAML: promtool reads it as it is.
    writeFileSync(file, JSON.stringify({ groups: [{ name: "dashboard", rules }] }));
    const check = runPromtool("check", "rules", file);
    expect(check.output).toContain("SUCCESS");
    expect(check.ok).toBe(true);
  });
});
