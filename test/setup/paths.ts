// Absolute paths used by the fixture tests and the station's integration tests.
// Run `bun run test/setup/prepare.ts` first: it creates the two Python venvs below.
import { join, resolve } from "node:path";

/** Repository root (this file lives in <root>/test/setup). */
export const REPO_ROOT: string = resolve(import.meta.dir, "..", "..");

/** Folder holding the fixture MCP servers. */
export const FIXTURES_DIR: string = join(REPO_ROOT, "test", "fixtures");

const venvPython = (venv: string): string =>
  process.platform === "win32" ? join(REPO_ROOT, venv, "Scripts", "python.exe") : join(REPO_ROOT, venv, "bin", "python");

/** Python of the venv holding mcp==2.3.0 (MCPServer). */
export const PYTHON_MCP2: string = venvPython(".venv-test");

/** Python of the venv holding mcp==1.30.0 (legacy FastMCP). */
export const PYTHON_MCP1: string = venvPython(".venv-test-mcp1");

/** Python of the venv holding the deployment checkers (pykustomize, kubernetes-validate, compose-spec). */
export const PYTHON_DEPLOY: string = venvPython(".venv-deploy");

/** Absolute path of a fixture file, e.g. fixture("echo.mjs") or fixture("python/mcp2_server.py"). */
export function fixture(name: string): string {
  return join(FIXTURES_DIR, name);
}

/** Entry of @modelcontextprotocol/server-everything; run as `node EVERYTHING_ENTRY ...EVERYTHING_ARGS`. */
export const EVERYTHING_ENTRY: string = join(REPO_ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

/** Arguments selecting the stdio transport of server-everything. */
export const EVERYTHING_ARGS: string[] = ["stdio"];
