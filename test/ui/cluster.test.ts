/**
 * The console on a cluster of two real stations, in Debian's Chromium: the
 * station screen lists the cluster's nodes for an admin (GET /cluster) and
 * says the list is for admins to a tenant; the playground of a session that
 * runs on the other node opens its WebSocket through this one (a ticket the
 * owner issued, checked here, the socket relayed). A station alone shows no
 * cluster at all.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM } from "../setup/browser.ts";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { TestCluster, call } from "../cluster/harness.ts";
import { ADMIN_KEY, BROWSER_AVAILABLE, KEY_A, signIn, startRig, watchProblems } from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the console on a two-node cluster", () => {
  let cluster: TestCluster;
  let browser: Browser;
  beforeAll(async () => {
    cluster = await TestCluster.start(2, {
      leaseMs: 3_000,
      env: { MCP_STATION_API_KEYS: `a:${KEY_A}`, MCP_STATION_ADMIN_KEYS: ADMIN_KEY },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.teardown();
  });

  test("an admin sees both nodes on the station screen; a tenant is told the list is for admins", async () => {
    const ui = `${cluster.nodes[1]!.url}/ui`;
    // CSP bypassed for axe's injected script only; the tenant's page below and the playground's keep it.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const problems = watchProblems(page);
    await signIn(page, ui, ADMIN_KEY);
    await page.getByRole("link", { name: "Station", exact: true }).click();
    await page.getByRole("heading", { name: "Cluster" }).waitFor();
    for (const node of cluster.nodes) await page.locator(`tr[data-node="${node.nodeId}"]`, { hasText: "live" }).waitFor();
    await expect(page.locator("table.nodes caption").textContent()).resolves.toContain(`This node: ${cluster.nodes[1]!.nodeId}`);
    expect(await page.locator("table.nodes tbody tr").count()).toBe(2);
    // The nodes' table passes the same axe-core checks as every other screen (test/ui/accessibility.test.ts).
    await page.addScriptTag({ path: join(REPO_ROOT, "node_modules", "axe-core", "axe.min.js") });
    const violations = (await page.evaluate(
      "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations.map((v) => v.id))",
    )) as string[];
    expect(violations).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();

    const tenant = await browser.newPage();
    await signIn(tenant, ui, KEY_A);
    await tenant.getByRole("link", { name: "Station", exact: true }).click();
    await tenant.getByText("its nodes are listed for admins").waitFor();
    expect(await tenant.locator("table.nodes").count()).toBe(0);
    await tenant.close();
  });

  test("the playground of a session on the other node opens its WebSocket through this one", async () => {
    const [owner, other] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const created = await call(owner, "POST", "/sessions", { server_command: fixture("echo.mjs") }, { authorization: `Bearer ${KEY_A}` });
    expect(created.status).toBe(200);
    const id: string = created.body.session_id;
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await signIn(page, `${other.url}/ui`, KEY_A);
    await page.goto(`${other.url}/ui/#/sessions/${encodeURIComponent(id)}/playground`);
    await page.getByText("WebSocket connected").waitFor();
    await page.getByRole("button", { name: /^echo/ }).click();
    await page.getByLabel("text").fill("through the other node");
    await page.getByRole("button", { name: "Call echo" }).click();
    await page.locator(".result-text", { hasText: "through the other node" }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a station alone shows no cluster", async () => {
    const rig = await startRig();
    try {
      const page = await rig.browser.newPage();
      await signIn(page, rig.ui, ADMIN_KEY);
      const asked = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith("/cluster"));
      await page.getByRole("link", { name: "Station", exact: true }).click();
      expect((await asked).status()).toBe(404);
      await page.getByText("Sampled from /metrics").waitFor();
      expect(await page.getByRole("heading", { name: "Cluster" }).count()).toBe(0);
      expect(await page.getByText("listed for admins").count()).toBe(0);
    } finally {
      await rig.stop();
    }
  });
});
