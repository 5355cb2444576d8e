/**
 * The access rules on the console's Registry screen, in Chromium: an admin
 * reads each rule of the registry file's `access` section in words (whom it
 * applies to, its servers, what it allows and denies of tools, prompts and
 * resources), as text, and the list follows an edit of the file; a tenant
 * reads what the rules give it instead. Without a section both are told that
 * everything is allowed. The screen passes axe and fits a phone's width.
 *
 * The rig's registry file gets its `access` section here, by the station's
 * reload, so the other console tests keep a station without rules.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { eventually } from "../support/processes.ts";
import { violations } from "./axe.ts";
import { ADMIN_KEY, BROWSER_AVAILABLE, type ConsoleRig, KEY_A, KEY_B, signIn, startRig, watchProblems } from "./support.ts";

const ADMIN = { authorization: `Bearer ${ADMIN_KEY}` };
const HOSTILE = '<img src=x onerror="window.pwned=1">';
const RULES = [
  {
    tenants: ["a"],
    servers: ["everything"],
    tools: { allow: ["echo", "get-*"], deny: ["get-env"] },
    resources: { allow: ["demo://resource/static/*"] },
  },
  {
    tenants: ["ops-*", HOSTILE],
    scopes: ["mcp:tools"],
    claims: { groups: ["ops", "sre"] },
    servers: ["desc", "pair"],
    prompts: { allow: [], deny: ["*"] },
  },
  { admin: true, servers: ["*"] },
  // A group and one of its members: the other member's rules give tenant a nothing.
  { tenants: ["a"], servers: ["pair", "hostile-output"] },
];

const version = async (): Promise<number> => (await rig.station.call("GET", "/access", undefined, ADMIN)).body.registry.version;

/** Gives the rig's registry file these rules (written as editors do), and resolves once the station has reloaded it (at once when it has them). */
async function saveRules(rules: unknown[]): Promise<void> {
  const before = await version();
  const file: string = (await rig.station.call("GET", "/access", undefined, ADMIN)).body.registry.file;
  const registry = JSON.parse(readFileSync(file, "utf8"));
  // The same bytes again would change nothing, and the station's version would stay.
  if (JSON.stringify(registry.access?.rules) === JSON.stringify(rules)) return;
  writeFileSync(`${file}.new`, JSON.stringify({ ...registry, access: { rules } }));
  renameSync(`${file}.new`, file);
  expect(await eventually(async () => (await version()) > before, 10_000)).toBe(true);
}

async function openRegistry(page: Page, key: string, heading: string): Promise<void> {
  await signIn(page, rig.ui, key);
  await page.getByRole("link", { name: "Registry" }).click();
  await page.getByRole("heading", { name: heading, level: 2 }).waitFor();
}

/** The text of each term's value in a card, by term. */
async function terms(card: ReturnType<Page["locator"]>): Promise<Record<string, string>> {
  const pairs = await card.locator("dt").evaluateAll((dts) => dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent]));
  return Object.fromEntries(pairs);
}

let rig: ConsoleRig;

describe.skipIf(!BROWSER_AVAILABLE)("access rules on the Registry screen", () => {
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  test("without an access section, an admin is told there are none and a tenant that it may use everything", async () => {
    const page = await rig.browser.newPage();
    await openRegistry(page, ADMIN_KEY, "Access rules");
    await page.getByText(/^None: the registry file \(version 1, loaded .*\) has no access section/).waitFor();
    const tenant = await rig.browser.newPage();
    await openRegistry(tenant, KEY_A, "What you may use");
    await tenant.getByText("No access rules are in force: you may start every registered server and use all of it.").waitFor();
    expect(await tenant.getByRole("heading", { name: "Access rules" }).count()).toBe(0);
    expect(await tenant.locator(".error").count()).toBe(0);
    await page.close();
    await tenant.close();
  });

  test("an admin reads each rule in words, in the file's order, the operator's markup as text", async () => {
    await saveRules(RULES);
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await openRegistry(page, ADMIN_KEY, "Access rules");
    const rules = page.getByRole("list", { name: "Access rules" }).getByRole("listitem");
    await rules.first().waitFor();
    expect(await rules.count()).toBe(4);
    expect(await rules.getByRole("heading").allTextContents()).toEqual(["Rule 1", "Rule 2", "Rule 3", "Rule 4"]);
    expect(await terms(rules.nth(0))).toEqual({
      "Applies to": "tenant a",
      Servers: "everything",
      Tools: "allow echo, get-*; deny get-env",
      Prompts: "allow all",
      Resources: "allow demo://resource/static/*",
    });
    expect(await terms(rules.nth(1))).toEqual({
      "Applies to": `tenant ops-* or ${HOSTILE} and a token with scope mcp:tools and claim groups: ops or sre`,
      Servers: "desc, pair",
      Tools: "allow all",
      Prompts: "allow none; deny *",
      Resources: "allow all",
    });
    expect(await terms(rules.nth(2))).toMatchObject({ "Applies to": "admins", Servers: "*" });
    await page.getByText(/^From the registry file, version 2, loaded /).waitFor();
    // The file's markup is text: no element made from it, no handler run.
    expect(await page.locator("main img").count()).toBe(0);
    expect(await page.evaluate("window.pwned")).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  test("a tenant reads what the rules give it, and is not shown the rules", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await openRegistry(page, KEY_A, "What you may use");
    const cards = page.getByRole("list", { name: "What you may use" }).getByRole("listitem");
    await cards.first().waitFor();
    expect(await cards.getByRole("heading").allTextContents()).toEqual(["everything", "hostile-output", "pair (group)"]);
    expect(await terms(cards.first())).toEqual({
      Tools: "echo, get-* except get-env",
      Prompts: "all",
      Resources: "demo://resource/static/*",
    });
    expect(await terms(cards.nth(2))).toEqual({
      Tools: "all",
      Prompts: "all",
      Resources: "all",
      "hostile-output: tools": "all",
      "hostile-output: prompts": "all",
      "hostile-output: resources": "all",
      "tools-change: tools": "none",
      "tools-change: prompts": "none",
      "tools-change: resources": "none",
    });
    expect(await page.getByRole("heading", { name: "Access rules" }).count()).toBe(0);
    expect(await page.getByText("ops-*").count()).toBe(0);
    expect(await page.locator(".error").count()).toBe(0);

    const other = await rig.browser.newPage();
    await openRegistry(other, KEY_B, "What you may use");
    await other.getByText("The access rules give you no registered server.").waitFor();
    expect(problems).toEqual([]);
    await page.close();
    await other.close();
  });

  test("after the file changes, the screen shows the new rules without a reload of the page", async () => {
    const page = await rig.browser.newPage();
    await openRegistry(page, ADMIN_KEY, "Access rules");
    const rules = page.getByRole("list", { name: "Access rules" }).getByRole("listitem");
    await rules.nth(2).waitFor();
    await saveRules([{ tenants: ["b"], servers: ["desc"], tools: { deny: ["env"] } }, RULES[2]]);
    // The screen reads the rules every 10 s.
    await page.getByText(/^From the registry file, version 3, loaded /).waitFor({ timeout: 25_000 });
    expect(await rules.count()).toBe(2);
    expect(await terms(rules.first())).toMatchObject({ "Applies to": "tenant b", Servers: "desc", Tools: "allow all; deny env" });
    await page.close();
  });

  for (const [width, viewport] of [
    ["desktop", { width: 1280, height: 800 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    test(`at ${width} width both views pass axe and fit the width`, async () => {
      await saveRules(RULES);
      const context = await rig.browser.newContext({ viewport, bypassCSP: true });
      const found: string[] = [];
      const overflow: string[] = [];
      for (const [key, heading] of [
        [ADMIN_KEY, "Access rules"],
        [KEY_A, "What you may use"],
      ] as const) {
        const page = await context.newPage();
        await openRegistry(page, key, heading);
        await page.getByRole("list", { name: heading }).getByRole("listitem").first().waitFor();
        found.push(...(await violations(page, `registry (${heading})`)));
        const wide = await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth");
        if ((wide as number) > 0) overflow.push(`${heading}: ${wide}px wider than the window`);
        await page.close();
      }
      expect(found).toEqual([]);
      expect(overflow).toEqual([]);
      await context.close();
    });
  }
});
