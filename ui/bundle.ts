/**
 * Bundles the console (ui/) for the browser and prints it as one JSON object,
 * {files: {"app.js": …, "app.css": …, "index.html": …, …}}, on stdout. The
 * station's UI module inlines it through a Bun macro
 * (src/modules/ui/bundle-macro.ts), so `bun run src/index.ts` and the
 * compiled binary serve the same files, with no build step to forget.
 *
 *   bun run ui/bundle.ts > /dev/null   # check that the console bundles
 */
import { join } from "node:path";

const dir = import.meta.dir;

const result = await Bun.build({
  entrypoints: [join(dir, "main.tsx"), join(dir, "api-docs.ts")],
  target: "browser",
  minify: true,
  sourcemap: "none",
  naming: "[name].[ext]",
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const files: Record<string, string> = {};
for (const output of result.outputs) {
  const name = output.path.replace(/^.*\//, "").replace(/^main\./, "app.");
  files[name] = await output.text();
}
for (const page of ["index.html", "api-docs.html"]) files[page] = await Bun.file(join(dir, page)).text();
process.stdout.write(JSON.stringify({ files }));
