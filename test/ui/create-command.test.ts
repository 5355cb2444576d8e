/**
 * Create from a command, where the command policy allows one (`any` here):
 * the Create screen offers it beside the registry, and the session it starts
 * is a session like any other, a 2026-07-28 server's included. Under
 * `registry` the form offers no command.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { fixture } from "../setup/paths.ts";
import { BROWSER_AVAILABLE, type ConsoleRig, KEY_A, signIn, startRig } from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("creating a session from a command", () => {
  let rig: ConsoleRig;
  beforeAll(async () => {
    rig = await startRig({ MCP_STATION_COMMAND_POLICY: "any" });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  /** Signs tenant a in and starts `command` from the Create screen; resolves on the session's page. */
  async function startCommand(command: string): Promise<Page> {
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await page.getByRole("radio", { name: "a command" }).check();
    await page.getByRole("textbox", { name: "Command" }).fill(command);
    await page.getByRole("button", { name: "Start" }).click();
    return page;
  }

  async function deleteTenantSessions(): Promise<void> {
    const auth = { authorization: `Bearer ${KEY_A}` };
    const sessions = await rig.station.call("GET", "/sessions", undefined, auth);
    for (const s of sessions.body.sessions) await rig.station.call("DELETE", `/sessions/${s.session_id}`, undefined, auth);
  }

  test("under policy any, a command starts and its tools answer in the playground", async () => {
    const page = await startCommand(fixture("echo.mjs"));
    await page.getByText("Command policy: any").waitFor();
    await page.getByText(`${fixture("echo.mjs")}`).waitFor();
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByRole("button", { name: /^echo/ }).click();
    await page.getByLabel("text").fill("from a command");
    await page.getByRole("button", { name: "Call echo" }).click();
    await page.locator(".result-text", { hasText: "from a command" }).waitFor();
    const sessions = await rig.station.call("GET", "/sessions", undefined, { authorization: `Bearer ${KEY_A}` });
    expect(sessions.body.sessions.map((s: { server_command: string }) => s.server_command)).toEqual([fixture("echo.mjs")]);
    await deleteTenantSessions();
    await page.close();
  });

  test("a 2026-07-28 server's elicitation, sent as input_required, is answered in the page and the call completes", async () => {
    const page = await startCommand(fixture("modern.mjs"));
    await page.getByText(`${fixture("modern.mjs")}`).waitFor();
    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByRole("button", { name: /^confirm/ }).click();
    await page.getByLabel("message").fill("Ship it?");
    await page.getByRole("button", { name: "Call confirm" }).click();
    const dialog = page.getByRole("dialog", { name: "The server asks for input" });
    await dialog.getByText("Ship it?").waitFor();
    await dialog.getByRole("checkbox", { name: /^ok/ }).check();
    await dialog.getByRole("button", { name: "Accept" }).click();
    await page.locator(".result-text", { hasText: "confirmed: true" }).waitFor();
    await deleteTenantSessions();
    await page.close();
  });

  test("a group of the registry starts from the same list, as one session of all its members", async () => {
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);
    await page.getByRole("link", { name: "Create", exact: true }).click();
    await page.getByRole("combobox", { name: "Registered server" }).selectOption("pair");
    await page.getByRole("button", { name: "Start" }).click();
    await page.getByRole("link", { name: "Playground" }).click();
    // Both members have the echo tools: on a collision the second member's get its name in front. Its
    // entry's curation holds inside the group too: whoami hidden, cwd renamed.
    await page.getByRole("button", { name: /^tools-change__echo/ }).waitFor();
    await page.getByRole("button", { name: /^echo/ }).waitFor();
    await page.getByRole("button", { name: /^add_tool/ }).waitFor();
    await page.getByRole("button", { name: /^where/ }).waitFor();
    expect(await page.getByRole("button", { name: /^tools-change__whoami/ }).count()).toBe(0);
    await deleteTenantSessions();
    await page.close();
  });

  test("a command refused by the station shows the station's error", async () => {
    const page = await startCommand("/nonexistent/server");
    await page.getByRole("alert").waitFor();
    expect(await page.getByRole("alert").textContent()).toMatch(/^(400|422|502) /);
    await page.close();
  });
});
