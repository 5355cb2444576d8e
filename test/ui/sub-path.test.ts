/**
 * The console behind a reverse proxy at a sub-path (test/ui/sub-path-proxy.ts):
 * every URL in the page is relative, so the console, its API calls, the SSE
 * stream, the WebSocket (ticket included) and the API docs all go through
 * /station/…, and the station's Origin check passes because the proxy passes
 * the browser's Host on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BROWSER_AVAILABLE, type ConsoleRig, createFromRegistry, KEY_A, signIn, startRig, watchProblems } from "./support.ts";
import { startSubPathProxy } from "./sub-path-proxy.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the console behind a proxy at /station/", () => {
  let rig: ConsoleRig;
  let proxy: ReturnType<typeof startSubPathProxy>;
  beforeAll(async () => {
    rig = await startRig();
    proxy = startSubPathProxy(rig.station.url);
  });
  afterAll(async () => {
    proxy?.stop();
    await rig?.stop();
  });

  test("sign in, create, follow stderr, call a tool over the WebSocket and open the API docs, all under the sub-path", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    const outside: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(`${proxy.url}/`) && !request.url().startsWith("data:")) outside.push(request.url());
    });
    await signIn(page, `${proxy.url}/ui`, KEY_A);
    expect(new URL(page.url()).pathname).toBe("/station/ui/");
    const sessionId = await createFromRegistry(page, "everything");
    await page.locator("ol.log .log-stderr", { hasText: "Starting default (STDIO) server" }).waitFor();
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByText("WebSocket connected").waitFor();
    await page.getByRole("button", { name: /^echo/ }).click();
    await page.getByLabel("message").fill("through the proxy");
    await page.getByRole("button", { name: "Call echo" }).click();
    await page.locator(".result-text", { hasText: "Echo: through the proxy" }).waitFor();
    await page.getByRole("link", { name: "API docs" }).click();
    await page.locator(".opblock-summary-path").first().waitFor();
    expect(new URL(page.url()).pathname).toBe("/station/ui/api-docs/");
    // "Try it out" goes through the sub-path too, with the console's credential.
    await page.locator('.opblock-get .opblock-summary-path[data-path="/servers"]').click();
    const operation = page.locator(".opblock.is-open");
    await operation.getByRole("button", { name: "Try it out" }).click();
    await operation.getByRole("button", { name: "Execute" }).click();
    await operation.locator(".live-responses-table .response-col_status", { hasText: "200" }).waitFor();
    expect(await operation.locator(".request-url").textContent()).toContain(`${proxy.url}/servers`);
    expect(outside).toEqual([]);
    expect(problems).toEqual([]);
    await rig.station.call("DELETE", `/sessions/${sessionId}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await page.close();
  });
});
