/**
 * The console on a station with no credential configured (protected mode):
 * a browser on the same machine gets straight in, with no sign-in screen, and
 * its calls (a POST with the page's Origin, the WebSocket) pass the Origin and
 * Host checks, which stay on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BROWSER_AVAILABLE, type ConsoleRig, createFromRegistry, startRig, watchProblems } from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the console in protected mode", () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig({ MCP_STATION_API_KEYS: "", MCP_STATION_ADMIN_KEYS: "" });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  test("a local browser needs no sign-in, and creates and calls as the local admin", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await page.goto(rig.ui);
    await page.getByRole("heading", { name: "Sessions" }).waitFor();
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    const id = await createFromRegistry(page, "everything");
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByRole("button", { name: /^echo/ }).click();
    await page.getByLabel("message").fill("no key needed here");
    await page.getByRole("button", { name: "Call echo" }).click();
    await page.locator(".result-text", { hasText: "Echo: no key needed here" }).waitFor();
    expect(problems).toEqual([]);
    // The checks are on: a foreign page's Origin is still refused.
    expect((await rig.station.call("GET", "/sessions", undefined, { origin: "http://evil.example" })).status).toBe(403);
    await rig.station.call("DELETE", `/sessions/${id}`);
    await page.close();
  });
});
