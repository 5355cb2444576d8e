/**
 * The console's files, in memory: the bundle of ui/ (inlined by a macro at
 * bundle time) and Swagger UI's prebuilt assets from swagger-ui-dist, which
 * `with { type: "file" }` embeds in the compiled binary. Imported on the first
 * request for /ui, so a station that never serves the console never bundles it.
 */
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };
import { consoleFiles } from "./bundle-macro.ts" with { type: "macro" };

export interface Asset {
  body: string | Blob;
  type: string;
}

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};

const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf(".") + 1)] ?? "application/octet-stream";

export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const [name, body] of Object.entries(consoleFiles())) assets.set(name, { body, type: typeOf(name) });
  assets.set("swagger-ui.css", { body: Bun.file(swaggerCss), type: TYPES.css });
  assets.set("swagger-ui-bundle.js", { body: Bun.file(swaggerJs), type: TYPES.js });
  return assets;
}
