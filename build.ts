/**
 * Compiles the station into one self-contained executable: dist/mcp-station.
 *
 *   bun run build                       # for this machine
 *   bun run build -- --target=bun-linux-arm64
 *
 * Choices, on purpose:
 * - Minify whitespace and syntax only: Elysia reads handler source, and
 *   identifier minification breaks it.
 * - The binary reads `.env` from its working directory (the seed promises
 *   .env configuration), but never `bunfig.toml`, `tsconfig.json` or
 *   `package.json` from wherever it happens to be started.
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { target: { type: "string" }, outfile: { type: "string", default: "dist/mcp-station" } },
});

const result = await Bun.build({
  entrypoints: ["src/index.ts"],
  minify: { whitespace: true, syntax: true, identifiers: false },
  sourcemap: "none",
  compile: {
    outfile: values.outfile,
    ...(values.target ? { target: values.target as Bun.Build.CompileTarget } : {}),
    autoloadDotenv: true,
    autoloadBunfig: false,
    autoloadTsconfig: false,
    autoloadPackageJson: false,
  },
});

if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
for (const output of result.outputs) console.log(`built ${output.path} (${(Bun.file(output.path).size / 1e6).toFixed(1)} MB)`);
