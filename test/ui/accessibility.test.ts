/**
 * Each screen of the console checked by axe-core (Deque's accessibility
 * engine, WCAG 2 A and AA rules) in Chromium, at a desktop and a phone width:
 * labels, names, roles, contrast, landmarks; the Registry screen also as an
 * admin sees it, with a withheld tool change. axe's script is injected from
 * node_modules in a context that bypasses the page's CSP (the console itself
 * never relaxes it).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { violations } from "./axe.ts";
import { ADMIN_KEY, BROWSER_AVAILABLE, type ConsoleRig, createFromRegistry, KEY_A, signIn, startRig, withholdEcho } from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the console's accessibility (axe-core)", () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });

  for (const [width, viewport] of [
    ["desktop", { width: 1280, height: 800 }],
    ["phone", { width: 390, height: 844 }],
  ] as const) {
    test(`every screen at ${width} width has no WCAG 2.1 A or AA violation`, async () => {
      const context = await rig.browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      const found: string[] = [];
      await page.goto(rig.ui);
      await page.getByLabel("API key or token").waitFor();
      found.push(...(await violations(page, "sign in")));
      await signIn(page, rig.ui, KEY_A);
      const id = await createFromRegistry(page, "everything");
      await page.locator("ol.log li").first().waitFor();
      found.push(...(await violations(page, "session")));
      await page.goto(`${rig.ui}/#/sessions`);
      await page.locator("tr[data-session]").first().waitFor();
      found.push(...(await violations(page, "sessions")));
      await page.getByRole("link", { name: "Create", exact: true }).click();
      await page.getByRole("combobox", { name: "Registered server" }).waitFor();
      found.push(...(await violations(page, "create")));
      await page.goto(`${rig.ui}/#/sessions/${id}/playground`);
      await page.getByText("WebSocket connected").waitFor();
      await page.getByRole("button", { name: /^trigger-long-running-operation/ }).click();
      await page.getByLabel("duration").fill("0");
      await page.getByRole("button", { name: "Call trigger-long-running-operation" }).click();
      await page.locator(".result-text").first().waitFor();
      found.push(...(await violations(page, "playground")));
      await page.getByRole("button", { name: /^trigger-elicitation-request / }).click();
      await page.getByRole("button", { name: "Call trigger-elicitation-request" }).click();
      await page.getByRole("dialog").waitFor();
      found.push(...(await violations(page, "elicitation")));
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      await page.getByRole("link", { name: "Registry" }).click();
      await page.getByRole("heading", { name: "everything" }).waitFor();
      found.push(...(await violations(page, "registry")));
      await page.getByRole("link", { name: "Station", exact: true }).click();
      await page.getByText("ready", { exact: true }).waitFor();
      found.push(...(await violations(page, "station")));
      // What only an admin sees: the pinned tools and a withheld change with its Approve button.
      await withholdEcho(rig.station, "A description changed since it was pinned");
      const admin = await context.newPage();
      await signIn(admin, rig.ui, ADMIN_KEY);
      await admin.getByRole("link", { name: "Registry" }).click();
      await admin.getByRole("article", { name: "desc / echo" }).waitFor();
      await admin
        .getByRole("article", { name: "desc", exact: true })
        .getByText(/^\d+ tools$/)
        .click();
      found.push(...(await violations(admin, "registry (admin)")));
      expect(found).toEqual([]);
      await rig.station.call("DELETE", `/sessions/${id}`, undefined, { authorization: `Bearer ${KEY_A}` });
      await context.close();
    });
  }
});
