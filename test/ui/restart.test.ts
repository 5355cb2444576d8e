/**
 * The session screen's Restart button, in Debian's Chromium: it restarts the
 * server through POST /sessions/{id}/restart, the screen shows the new pid
 * and the count, and the history names the restart; on an exited session the
 * button is disabled.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { BROWSER_AVAILABLE, type ConsoleRig, KEY_A, signIn, startRig, watchProblems } from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the session screen's Restart button", () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => {
    await rig?.stop();
  });
  const asA = { authorization: `Bearer ${KEY_A}` };

  test("restarts the server under the same id and shows the new process", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, asA);
    expect(created.status).toBe(200);
    const id: string = created.body.session_id;
    const oldPid: number = created.body.pid;

    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await signIn(page, rig.ui, KEY_A);
    await page.goto(`${rig.ui}/#/sessions/${encodeURIComponent(id)}`);
    const restarts = page.locator("dl.info dt:text-is('Restarts') + dd");
    await expect(restarts.textContent()).resolves.toBe("0");

    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Restart" }).click();
    await page.locator("dl.info dt:text-is('Restarts') + dd", { hasText: "1" }).waitFor();

    const info = (await rig.station.call("GET", `/sessions/${id}`, undefined, asA)).body;
    expect(info).toMatchObject({ session_id: id, status: "running", restarts: 1 });
    expect(info.pid).not.toBe(oldPid);
    await page.locator("dl.info dd", { hasText: `pid ${info.pid}` }).waitFor();
    await page.getByText("History").click();
    await page.locator("details.history li", { hasText: "restarted on request" }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  test("is disabled while no server runs", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, asA);
    const id: string = created.body.session_id;
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);
    await page.goto(`${rig.ui}/#/sessions/${encodeURIComponent(id)}`);
    await page.locator(".status-running").waitFor();
    expect(await page.getByRole("button", { name: "Restart" }).isEnabled()).toBe(true);
    // Stopped underneath the page (the manager's own stop: the session stays, exited).
    await rig.station.manager.get(id).stop();
    await page.locator(".status-exited").waitFor();
    expect(await page.getByRole("button", { name: "Restart" }).isDisabled()).toBe(true);
    await page.close();
  });
});
