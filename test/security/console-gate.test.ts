/**
 * The console's place in the gate: its static files are served without a
 * credential and with a strict Content-Security-Policy, a page calling from
 * the station's own origin passes the Origin check (a foreign one does not),
 * and WebSocket tickets are given only to a caller who may see the session.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { KEY_A, KEY_B, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

let station: LoggedStation;
beforeAll(async () => {
  station = await startLoggedStation(KEYS_ENV);
});
afterAll(async () => {
  await station?.stop();
});

describe("the console's files", () => {
  test("/ui redirects relatively to ui/, so a proxy's sub-path is kept", async () => {
    const res = await fetch(`${station.url}/ui`, { redirect: "manual" });
    expect(res.status).toBe(308);
    expect(res.headers.get("location")).toBe("ui/");
    const docs = await fetch(`${station.url}/ui/api-docs`, { redirect: "manual" });
    expect(docs.headers.get("location")).toBe("api-docs/");
  });

  test("the page and its script are served without a credential, with a CSP that forbids inline scripts and foreign origins", async () => {
    const page = await fetch(`${station.url}/ui/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe");
    expect(csp).toContain("require-trusted-types-for 'script'");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${station.url}/ui/app.js`);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await script.text()).length).toBeGreaterThan(1000);
    const missing = await station.call("GET", "/ui/nosuch.js");
    expect(missing.status).toBe(404);
    expect(missing.body.error.data.type).toBe("not_found");
    // The data stays behind the gate.
    expect((await station.call("GET", "/sessions")).status).toBe(401);
  });

  test("the API docs page loads Swagger UI from the station itself", async () => {
    const html = await (await fetch(`${station.url}/ui/api-docs/`)).text();
    expect(html).toContain('src="swagger-ui-bundle.js"');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${station.url}/ui/api-docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain("SwaggerUIBundle");
  });
});

describe("Origin", () => {
  test("a page on the station's own origin passes; any other origin is still refused", async () => {
    const host = new URL(station.url).host;
    const own = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), origin: `http://${host}` });
    expect(own.status).toBe(200);
    const foreign = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), origin: "http://evil.example" });
    expect(foreign.status).toBe(403);
    // Same host, another port or scheme: another origin.
    const port = await station.call("GET", "/sessions", undefined, {
      ...station.as(KEY_A),
      origin: `http://${host.replace(/:\d+$/, ":1")}`,
    });
    expect(port.status).toBe(403);
    const scheme = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), origin: `https://${host}:443` });
    expect(scheme.status).toBe(403);
  });
});

describe("the OpenAPI document", () => {
  test("describes the ticket route and leaves the console's files out", async () => {
    const doc = (await station.call("GET", "/openapi/json", undefined, station.as(KEY_A))).body;
    expect(doc.paths["/live/tickets"].post.summary).toBe("A WebSocket ticket, for browsers");
    expect(Object.keys(doc.paths).filter((path) => path.startsWith("/ui"))).toEqual([]);
  });
});

describe("POST /live/tickets", () => {
  test("needs a credential, and a session the caller may see", async () => {
    const created = await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, station.as(KEY_A));
    const id = created.body.session_id;
    expect((await station.call("POST", "/live/tickets", { session_id: id })).status).toBe(401);
    expect((await station.call("POST", "/live/tickets", { session_id: id }, station.as(KEY_B))).status).toBe(404);
    const ticket = await station.call("POST", "/live/tickets", { session_id: id }, station.as(KEY_A));
    expect(ticket.status).toBe(200);
    expect(ticket.body.subprotocol).toBe(`mcp-station.ticket.${ticket.body.ticket}`);
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(KEY_A));
  });
});
