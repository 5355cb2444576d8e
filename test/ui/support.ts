/**
 * The console's browser tests: a real station on a free port with three keys
 * (tenants a and b, an admin) and a registry of server-everything and a few
 * fixtures (hostile output, curated tools, a tool description that changes
 * with the environment, for pinning), and Debian's Chromium driven by
 * playwright-core.
 * Without Chromium (test/setup/chromium.ts installs it where it can) the tests
 * are skipped with one line saying why.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM, chromiumVersion } from "../setup/browser.ts";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY, fixture } from "../setup/paths.ts";
import type { StationOptions } from "../../src/app.ts";
import { startStation, type TestStation } from "../support/station.ts";

export const KEY_A = "console-tenant-a-0123456789";
export const KEY_B = "console-tenant-b-0123456789";
export const ADMIN_KEY = "console-admin-0123456789abc";

export const BROWSER_AVAILABLE = chromiumVersion() !== undefined;
if (!BROWSER_AVAILABLE) {
  console.warn(
    `test/ui: no Chromium at ${CHROMIUM}: the console's browser tests are skipped (bun run test/setup/prepare.ts installs it as root on Debian)`,
  );
}

export interface ConsoleRig {
  station: TestStation;
  browser: Browser;
  /** The console's URL on this station. */
  ui: string;
  stop(): Promise<void>;
}

export async function startRig(env: Record<string, string> = {}, options: StationOptions = {}): Promise<ConsoleRig> {
  const dir = mkdtempSync(join(tmpdir(), "mcp-station-ui-"));
  const servers = join(dir, "servers.json");
  writeFileSync(
    servers,
    JSON.stringify({
      mcpServers: {
        everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] },
        "hostile-output": { command: "node", args: [fixture("hostile-output.mjs")] },
        "tools-change": {
          command: "node",
          args: [fixture("tools-change.mjs")],
          station: { tools: { deny: ["whoami"], rename: { cwd: "where" } } },
        },
        // TOOL_DESCRIPTION changes echo's description: a second session with it has its echo withheld.
        desc: { command: "node", args: [fixture("tool-description.mjs")], station: { allow_env: ["TOOL_DESCRIPTION"] } },
      },
      mcpGroups: { pair: { members: ["hostile-output", "tools-change"], description: "Two fixtures as one server" } },
    }),
  );
  const station = await startStation(
    {
      MCP_STATION_API_KEYS: `a:${KEY_A},b:${KEY_B}`,
      MCP_STATION_ADMIN_KEYS: ADMIN_KEY,
      MCP_STATION_SERVERS_FILE: servers,
      ...env,
    },
    options,
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  return {
    station,
    browser,
    ui: `${station.url}/ui`,
    stop: async () => {
      await browser.close();
      await station.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Problems the page reports: uncaught errors, Content-Security-Policy and Trusted Types violations. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy|Refused to|Trusted ?(HTML|Type)/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

export async function signIn(page: Page, ui: string, key: string): Promise<void> {
  await page.goto(ui);
  await page.getByLabel("API key or token").fill(key);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Sessions" }).waitFor();
}

/** Creates a session from a registry entry through the Create screen; resolves to its id once its page shows. */
export async function createFromRegistry(page: Page, name: string): Promise<string> {
  await page.getByRole("link", { name: "Create", exact: true }).click();
  await page.getByRole("combobox", { name: "Registered server" }).selectOption(name);
  await page.getByRole("button", { name: "Start" }).click();
  await page.getByRole("link", { name: "Playground" }).waitFor();
  return decodeURIComponent(new URL(page.url()).hash.split("/")[2] ?? "");
}

/**
 * Has the station withhold `desc`'s echo: a first session pins its definition, a second one, started with
 * another description, sees it changed. Resolves to the second session's id.
 */
export async function withholdEcho(station: TestStation, description: string): Promise<string> {
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };
  const first = await station.call("POST", "/sessions", { server: "desc" }, admin);
  if (typeof first.body?.session_id !== "string") throw new Error(`desc did not start: ${JSON.stringify(first.body)}`);
  const changed = await station.call("POST", "/sessions", { server: "desc", env_vars: { TOOL_DESCRIPTION: description } }, admin);
  if (typeof changed.body?.session_id !== "string") throw new Error(`desc did not start: ${JSON.stringify(changed.body)}`);
  return changed.body.session_id;
}
