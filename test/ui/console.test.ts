/**
 * The console end to end, in Debian's Chromium: sign in with a key, create a
 * server-everything session from the registry, call echo through the
 * generated form, watch a long-running tool's progress, answer an
 * elicitation in the page, see stderr arrive live, delete; another tenant's
 * key does not see the session; a server's markup stays text; the WebSocket
 * ticket works from the page, and a missing, reused or expired ticket is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LiveTickets, TICKET_TTL_MS } from "../../src/security/live-tickets.ts";
import {
  ADMIN_KEY,
  BROWSER_AVAILABLE,
  type ConsoleRig,
  createFromRegistry,
  KEY_A,
  KEY_B,
  signIn,
  startRig,
  watchProblems,
} from "./support.ts";

describe.skipIf(!BROWSER_AVAILABLE)("the console in a browser", () => {
  let rig: ConsoleRig;
  // The station's tickets on a clock the test moves, to see one expire without waiting 30 s.
  let now = Date.now();
  beforeAll(async () => {
    rig = await startRig({}, { liveTickets: new LiveTickets(() => now) });
  });
  afterAll(async () => {
    await rig?.stop();
  });

  test("a tenant signs in, starts server-everything from the registry, calls tools, answers an elicitation, and deletes it", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await signIn(page, rig.ui, KEY_A);
    const sessionId = await createFromRegistry(page, "everything");
    // The server's startup line on stderr, through the SSE stream read with fetch.
    await page.locator("ol.log .log-stderr", { hasText: "Starting default (STDIO) server" }).waitFor();

    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByText("WebSocket connected").waitFor();
    await page.getByRole("button", { name: /^echo/ }).click();
    // The generated form refuses a missing required field before anything is sent.
    await page.getByRole("button", { name: "Call echo" }).click();
    await expect(page.getByRole("alert").first().textContent()).resolves.toBe("required");
    await page.getByLabel("message").fill("hello from the console");
    await page.getByRole("button", { name: "Call echo" }).click();
    await page.locator(".result-text", { hasText: "Echo: hello from the console" }).waitFor();
    await expect(page.locator(".duration").textContent()).resolves.toMatch(/^\d+ ms$/);

    await page.getByRole("button", { name: /^trigger-long-running-operation/ }).click();
    await page.getByLabel("duration").fill("2");
    await page.getByLabel("steps").fill("4");
    await page.getByRole("button", { name: "Call trigger-long-running-operation" }).click();
    await page.locator(".progress", { hasText: "/ 4" }).waitFor();
    await page.locator(".result-text", { hasText: "Long running operation completed" }).waitFor();
    await expect(page.locator(".progress").textContent()).resolves.toContain("4 / 4");

    await page.getByRole("button", { name: /^trigger-elicitation-request / }).click();
    await page.getByRole("button", { name: "Call trigger-elicitation-request" }).click();
    const dialog = page.getByRole("dialog", { name: "The server asks for input" });
    await dialog.waitFor();
    // Required by the server's schema: the dialog refuses to accept without it.
    await dialog.getByRole("button", { name: "Accept" }).click();
    await dialog.getByRole("alert").waitFor();
    await dialog.getByRole("textbox", { name: /^String( \*)?$/ }).fill("Ada Lovelace");
    await dialog.getByRole("button", { name: "Accept" }).click();
    await page.locator(".result-text", { hasText: "- Name: Ada Lovelace" }).waitFor();
    expect(await dialog.isVisible()).toBe(false);
    // Focus is back where it was before the server asked.
    expect(await page.evaluate("document.activeElement?.textContent")).toBe("Call trigger-elicitation-request");

    // A sampling request: the messages shown as text, the person's reply sent as the assistant's.
    await page.getByRole("button", { name: /^trigger-sampling-request / }).click();
    await page.getByLabel("prompt").fill("What is 2 + 2?");
    await page.getByRole("button", { name: "Call trigger-sampling-request" }).click();
    const sampling = page.getByRole("dialog", { name: "The server asks for a completion (sampling)" });
    await sampling.getByText("What is 2 + 2?").waitFor();
    await sampling.getByLabel("Your reply, as the assistant").fill("Four.");
    await sampling.getByRole("button", { name: "Send reply" }).click();
    await page.locator(".result-text", { hasText: '"text": "Four."' }).waitFor();

    // An image result is drawn from its data (the CSP allows data: images, and nothing else foreign).
    await page.getByRole("button", { name: /^get-tiny-image/ }).click();
    await page.getByRole("button", { name: "Call get-tiny-image" }).click();
    const image = page.locator("img.result-image");
    await image.waitFor();
    expect(await image.getAttribute("src")).toStartWith("data:image/png;base64,");
    expect(await image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);

    // The raw exchange is one click away.
    await page.getByText(/^Raw JSON-RPC/).click();
    await page.locator("details.raw pre", { hasText: '"method": "elicitation/create"' }).first().waitFor();

    await page.getByRole("link", { name: "← Session" }).click();
    page.once("dialog", (d) => void d.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Sessions" }).waitFor();
    expect((await rig.station.call("GET", `/sessions/${sessionId}`, undefined, { authorization: `Bearer ${KEY_A}` })).status).toBe(404);
    expect(problems).toEqual([]);
    await page.close();
  });

  test("another tenant's key shows none of the first tenant's sessions; an admin sees them with their owner", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, { authorization: `Bearer ${KEY_A}` });
    expect(created.status).toBe(200);
    const id: string = created.body.session_id;

    const tenantA = await rig.browser.newPage();
    await signIn(tenantA, rig.ui, KEY_A);
    await tenantA.locator(`tr[data-session="${id}"]`).waitFor();
    // The table is live: a session created elsewhere appears without a reload.
    const later = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, { authorization: `Bearer ${KEY_A}` });
    await tenantA.locator(`tr[data-session="${later.body.session_id}"]`).waitFor();
    await rig.station.call("DELETE", `/sessions/${later.body.session_id}`, undefined, { authorization: `Bearer ${KEY_A}` });

    const tenantB = await rig.browser.newPage();
    await signIn(tenantB, rig.ui, KEY_B);
    await tenantB.getByText("No sessions yet.").waitFor();
    await tenantB.goto(`${rig.ui}/#/sessions/${id}`);
    await tenantB
      .getByText(/404 session_not_found/)
      .first()
      .waitFor();

    // Tenant b's own session, which a does not see either.
    const ofB = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, { authorization: `Bearer ${KEY_B}` });
    await tenantB.goto(`${rig.ui}/#/sessions`);
    await tenantB.locator(`tr[data-session="${ofB.body.session_id}"]`).waitFor();
    expect(await tenantB.locator("tr[data-session]").count()).toBe(1);
    expect(await tenantA.locator(`tr[data-session="${ofB.body.session_id}"]`).count()).toBe(0);

    const admin = await rig.browser.newContext().then((c) => c.newPage());
    await signIn(admin, rig.ui, ADMIN_KEY);
    const ownerOf = async (sessionId: string) => (await admin.locator(`tr[data-session="${sessionId}"] td`).last().textContent())?.trim();
    await admin.locator(`tr[data-session="${ofB.body.session_id}"]`).waitFor();
    expect(await admin.getByRole("columnheader", { name: "Owner" }).count()).toBe(1);
    expect([await ownerOf(id), await ownerOf(ofB.body.session_id)]).toEqual(["a", "b"]);
    await rig.station.call("DELETE", `/sessions/${ofB.body.session_id}`, undefined, { authorization: `Bearer ${KEY_B}` });

    await rig.station.call("DELETE", `/sessions/${id}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await Promise.all([tenantA.close(), tenantB.close(), admin.close()]);
  });

  test("markup in a tool's result, a resource, a description and stderr stays text: no script runs, no element is made", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    await signIn(page, rig.ui, KEY_A);
    const sessionId = await createFromRegistry(page, "hostile-output");

    // Stderr written while the session's page is open arrives live.
    const call = rig.station.call(
      "POST",
      "/mcp/request",
      { session_id: sessionId, method: "tools/call", params: { name: "hostile", arguments: {} } },
      { authorization: `Bearer ${KEY_A}` },
    );
    expect((await call).status).toBe(200);
    const stderrLine = page.locator("ol.log .log-stderr", { hasText: "stderr <script>" });
    await stderrLine.waitFor();
    expect(await stderrLine.locator(".text").textContent()).toBe(
      `stderr <script>window.__pwned = "script"</script><img src="x" onerror="window.__pwned = 'img'">`,
    );

    await page.getByRole("link", { name: "Playground" }).click();
    await page.getByRole("button", { name: /^hostile/ }).click();
    await page.getByRole("button", { name: "Call hostile" }).click();
    await page.locator(".result-text", { hasText: "result <script>" }).waitFor();
    await page.locator(".resource .result-text", { hasText: "resource <script>" }).waitFor();

    expect(await page.evaluate(() => (globalThis as { __pwned?: string }).__pwned)).toBeUndefined();
    // Everything the server sent is text nodes: no element came out of it anywhere in the page.
    expect(await page.locator("main script, main img[onerror], main img[src='x']").count()).toBe(0);
    expect(problems).toEqual([]);
    // And no HTML sink is open at all: the page's CSP requires Trusted Types and allows no policy.
    const sinkRefused = "(() => { try { document.createElement('div').innerHTML = '<b>x</b>'; return false } catch { return true } })()";
    expect(await page.evaluate(sinkRefused)).toBe(true);
    await rig.station.call("DELETE", `/sessions/${sessionId}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await page.close();
  });

  test("the playground asks for the tool list again when the server says it changed", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "tools-change" }, { authorization: `Bearer ${KEY_A}` });
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);
    await page.goto(`${rig.ui}/#/sessions/${created.body.session_id}/playground`);
    // Seven: the echo tools and add_tool, less whoami, which the registry entry hides.
    await page.getByRole("button", { name: "tools (7)" }).waitFor();
    expect(await page.getByRole("button", { name: /^whoami/ }).count()).toBe(0);
    await page.getByRole("button", { name: /^add_tool/ }).click();
    await page.getByLabel("name").fill("grown");
    await page.getByRole("button", { name: "Call add_tool" }).click();
    await page.getByRole("button", { name: "tools (8)" }).waitFor();
    await page.getByRole("button", { name: /^grown/ }).click();
    await page.getByRole("button", { name: "Call grown" }).click();
    await page.locator(".result-text", { hasText: "grown here" }).waitFor();
    await rig.station.call("DELETE", `/sessions/${created.body.session_id}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await page.close();
  });

  test("Cancel withdraws a running call: the page stops waiting and the server is told", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "tools-change" }, { authorization: `Bearer ${KEY_A}` });
    const id: string = created.body.session_id;
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);
    await page.goto(`${rig.ui}/#/sessions/${id}/playground`);
    await page.getByRole("button", { name: /^slow/ }).click();
    await page.getByLabel("ms").fill("600000");
    await page.getByRole("button", { name: "Call slow" }).click();
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.locator(".outcome pre.error", { hasText: "cancelled in the console" }).waitFor();
    // The fixture writes "cancelled <id>" to stderr when notifications/cancelled reaches it.
    await page.getByRole("link", { name: "← Session" }).click();
    await page.locator("ol.log .log-stderr", { hasText: /^.*cancelled / }).waitFor();
    await rig.station.call("DELETE", `/sessions/${id}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await page.close();
  });

  test("a WebSocket ticket opens the session's socket from the page once; a missing, reused, expired or foreign-session ticket is refused", async () => {
    const created = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, { authorization: `Bearer ${KEY_A}` });
    const id: string = created.body.session_id;
    const other = await rig.station.call("POST", "/sessions", { server: "hostile-output" }, { authorization: `Bearer ${KEY_A}` });
    const page = await rig.browser.newPage();
    await signIn(page, rig.ui, KEY_A);

    const outcomes = await page.evaluate(
      async ({ id, otherId }) => {
        const key = sessionStorage.getItem("mcp-station.credential");
        const ticket = async (sessionId: string) => {
          const response = await fetch("../live/tickets", {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ session_id: sessionId }),
          });
          return (await response.json()) as { subprotocol: string };
        };
        const url = (sessionId: string) =>
          new URL(`../sessions/${sessionId}/ws`, (globalThis as unknown as { location: URL }).location.href).href.replace(/^http/, "ws");
        /** "open: <selected protocol> <answer to ping>" or "refused". */
        const attempt = (sessionId: string, protocols: string[]) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(url(sessionId), protocols);
            socket.onopen = () => {
              socket.onmessage = (event) => {
                resolve(`open: ${socket.protocol} ${event.data}`);
                socket.close();
              };
              socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
            };
            socket.onclose = () => resolve("refused");
          });
        const first = await ticket(id);
        const forOther = await ticket(otherId);
        const toExpire = await ticket(id);
        (globalThis as unknown as { toExpire: string }).toExpire = toExpire.subprotocol;
        return {
          fresh: await attempt(id, ["mcp-station", first.subprotocol]),
          reused: await attempt(id, ["mcp-station", first.subprotocol]),
          missing: await attempt(id, ["mcp-station"]),
          noProtocols: await attempt(id, []),
          wrongSession: await attempt(id, ["mcp-station", forOther.subprotocol]),
          made: first.subprotocol.startsWith("mcp-station.ticket."),
        };
      },
      { id, otherId: other.body.session_id as string },
    );
    expect(outcomes).toEqual({
      fresh: 'open: mcp-station {"jsonrpc":"2.0","id":1,"result":{}}',
      reused: "refused",
      missing: "refused",
      noProtocols: "refused",
      wrongSession: "refused",
      made: true,
    });
    // A ticket asked for now and offered 30 s later is refused.
    now += TICKET_TTL_MS;
    const expired = await page.evaluate(
      (id) =>
        new Promise<string>((resolve) => {
          const base = (globalThis as unknown as { location: URL }).location.href;
          const url = new URL(`../sessions/${id}/ws`, base).href.replace(/^http/, "ws");
          const socket = new WebSocket(url, ["mcp-station", (globalThis as unknown as { toExpire: string }).toExpire]);
          socket.onopen = () => resolve("open");
          socket.onclose = () => resolve("refused");
        }),
      id,
    );
    expect(expired).toBe("refused");
    // Another tenant cannot get a ticket for the session at all.
    const foreign = await rig.station.call("POST", "/live/tickets", { session_id: id }, { authorization: `Bearer ${KEY_B}` });
    expect(foreign.status).toBe(404);
    for (const s of [id, other.body.session_id])
      await rig.station.call("DELETE", `/sessions/${s}`, undefined, { authorization: `Bearer ${KEY_A}` });
    await page.close();
  });

  test("the registry, station and API docs screens render from the station alone", async () => {
    const page = await rig.browser.newPage();
    const problems = watchProblems(page);
    const foreign: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith(rig.station.url) && !request.url().startsWith("data:")) foreign.push(request.url());
    });
    await signIn(page, rig.ui, KEY_A);
    await page.getByRole("link", { name: "Registry" }).click();
    await page.getByRole("heading", { name: "hostile-output" }).waitFor();
    // Curation and groups, as GET /servers tells them.
    const curated = page.getByRole("article", { name: "tools-change" });
    expect(await curated.locator("dd", { hasText: "whoami" }).textContent()).toBe("whoami");
    // Hidden by curation, not "withheld": that word is pinning's, for a changed definition waiting for an admin.
    await curated.locator("dt", { hasText: /^Tools hidden$/ }).waitFor();
    expect(await curated.locator("dd", { hasText: "→" }).textContent()).toBe("cwd → where");
    const group = page.getByRole("article", { name: "pair" });
    expect(await group.locator("dd").first().textContent()).toBe("hostile-output, tools-change");
    await group.getByText("Two fixtures as one server").waitFor();
    await page.getByRole("link", { name: "Station", exact: true }).click();
    await page.getByText("ready", { exact: true }).waitFor();
    await page.locator(".chart polyline[points*=' ']").first().waitFor({ state: "attached" });
    await page.getByRole("link", { name: "API docs" }).click();
    // Swagger UI, shipped in the binary, renders the OpenAPI document fetched with the console's key.
    await page.locator(".swagger-ui .title", { hasText: "MCP Station" }).waitFor();
    await page.locator(".opblock-summary-path", { hasText: "/live/tickets" }).first().waitFor();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
