/**
 * The web console at /ui (ui/ is its source; docs/console.md describes it):
 * static files only. The page asks for a credential and calls the public API
 * with it like any client, so it can do nothing an API caller could not. The
 * auth gate serves these paths without a credential (they hold no data).
 *
 * Every URL inside the page is relative, so it works behind a reverse proxy
 * at a sub-path: /ui redirects to ui/ (relative too), and the page reaches
 * the API at ../.
 *
 * @example
 *   curl -sI localhost:20100/ui/   # text/html, with its Content-Security-Policy
 */
import { Elysia } from "elysia";
import { NotFound } from "../../errors.ts";
import type { Asset } from "./assets.ts";

/**
 * No inline script or style, nothing from another origin, no plugins, no
 * framing. Images may be data: URLs: a tool's image result is shown as one.
 */
const BASE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
];

/**
 * The console also refuses every HTML sink (Trusted Types with no policy): it
 * builds the page from text nodes only, so a server's output could not become
 * markup even through a future mistake; Chromium would throw instead.
 */
const CONSOLE_CSP = [...BASE_CSP, "require-trusted-types-for 'script'", "trusted-types 'none'"].join("; ");

/** Swagger UI writes HTML and sets style attributes: inline styles, no Trusted Types; scripts as strict as the console's. */
const API_DOCS_CSP = BASE_CSP.join("; ").replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

let loaded: Promise<Map<string, Asset>> | undefined;
const assets = () => {
  loaded ??= import("./assets.ts").then((m) => m.loadAssets());
  return loaded;
};

function serve(asset: Asset | undefined, csp: string): Response {
  if (!asset) throw new NotFound("the console has no such file");
  return new Response(asset.body, {
    headers: {
      "content-type": asset.type,
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      // Not cached: the files change with the station's version, under the same names.
      "cache-control": "no-cache",
    },
  });
}

const hidden = { detail: { hide: true } };

/**
 * A page's own path must end in "/" for its relative URLs to resolve inside it; Elysia matches
 * "/ui" and "/ui/" alike, so the request's path decides, and a relative redirect keeps a proxy's sub-path.
 */
async function page(request: Request, name: string, csp: string): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!path.endsWith("/")) return new Response(null, { status: 308, headers: { location: `${path.slice(path.lastIndexOf("/") + 1)}/` } });
  return serve((await assets()).get(name), csp);
}

export const uiModule = () =>
  new Elysia({ name: "ui" })
    .get("/ui", ({ request }) => page(request, "index.html", CONSOLE_CSP), hidden)
    .get("/ui/api-docs", ({ request }) => page(request, "api-docs.html", API_DOCS_CSP), hidden)
    .get("/ui/api-docs/:file", async ({ params }) => serve((await assets()).get(params.file), API_DOCS_CSP), hidden)
    .get("/ui/:file", async ({ params }) => serve((await assets()).get(params.file), CONSOLE_CSP), hidden);
