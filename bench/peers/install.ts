/**
 * Installs the gateways MCP Station is measured against, pinned, into bench/.peers/ (git-ignored):
 * an npm prefix for supergateway and one Python venv for mcp-proxy, mcpo and the FastMCP echo server.
 * Idempotent: a marker file holds the pins it was made with, and nothing runs again while they match.
 *
 * @example
 *   const peers = installPeers();   // { supergateway: ".../dist/index.js", python: ".../bin/python", ... }
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../lib/procs.ts";

export const PEERS_DIR = join(ROOT, "bench", ".peers");

/** The versions measured. mcpo 0.0.20 does not start beside mcp 2.x or fastapi >= 0.145, hence those pins. */
export const PINS = {
  supergateway: "4.0.0",
  "mcp-proxy": "0.13.0",
  mcpo: "0.0.20",
  mcp: "1.30.0",
  fastapi: "0.144.0",
} as const;

// mcp-proxy 0.13.0 accepts mcp 1.30.0 too, so the two Python peers share one venv (checked with pip's resolver).
const PYTHON_REQUIREMENTS = [`mcp-proxy==${PINS["mcp-proxy"]}`, `mcpo==${PINS.mcpo}`, `mcp==${PINS.mcp}`, `fastapi==${PINS.fastapi}`];

export interface Peers {
  /** node entry of supergateway (its bin). */
  supergateway: string;
  /** the venv's python, which also runs the FastMCP echo server. */
  python: string;
  mcpProxy: string;
  mcpo: string;
}

const npmDir = join(PEERS_DIR, "npm");
const venvDir = join(PEERS_DIR, "venv");
const MARKER = join(PEERS_DIR, ".pins.json");

export function peerPaths(): Peers {
  return {
    supergateway: join(npmDir, "node_modules", "supergateway", "dist", "index.js"),
    python: join(venvDir, "bin", "python"),
    mcpProxy: join(venvDir, "bin", "mcp-proxy"),
    mcpo: join(venvDir, "bin", "mcpo"),
  };
}

function run(cmd: string[], what: string): void {
  const p = Bun.spawnSync(cmd, { cwd: ROOT, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) {
    const out = p.stdout.toString() + p.stderr.toString();
    throw new Error(`${what} failed (exit ${p.exitCode}): ${cmd.join(" ")}\n${out.split("\n").slice(-30).join("\n")}`);
  }
}

function findPython(): string {
  for (const c of [process.env.PYTHON, "python3", "python"].filter(Boolean) as string[]) {
    const p = Bun.spawnSync([c, "-c", "import sys; assert sys.version_info >= (3, 10)"], { stdout: "pipe", stderr: "pipe" });
    if (p.exitCode === 0) return c;
  }
  throw new Error("bench:peers needs python >= 3.10 with venv (set PYTHON=...)");
}

/** Installs what is missing or stale and answers the paths; prints one line per step to stderr. */
export function installPeers(log: (line: string) => void = (l) => console.error(l)): Peers {
  const paths = peerPaths();
  const wanted = JSON.stringify({ npm: [`supergateway@${PINS.supergateway}`], pip: PYTHON_REQUIREMENTS }, null, 2);
  const everyFile = Object.values(paths).every((p) => existsSync(p));
  if (everyFile && existsSync(MARKER) && readFileSync(MARKER, "utf8") === wanted) {
    log("peers: bench/.peers up to date");
    return paths;
  }
  rmSync(MARKER, { force: true });
  mkdirSync(npmDir, { recursive: true });
  log(`peers: npm install supergateway@${PINS.supergateway} into bench/.peers/npm`);
  // A package.json of its own keeps npm from walking up into the repository's.
  writeFileSync(join(npmDir, "package.json"), `${JSON.stringify({ name: "bench-peers", private: true })}\n`);
  run(
    ["npm", "install", "--prefix", npmDir, "--save-exact", "--no-audit", "--no-fund", `supergateway@${PINS.supergateway}`],
    "npm install",
  );

  if (!existsSync(paths.python) || !Bun.spawnSync([paths.python, "-c", "pass"]).success) {
    log("peers: creating bench/.peers/venv");
    rmSync(venvDir, { recursive: true, force: true });
    run([findPython(), "-m", "venv", venvDir], "python -m venv (on Debian/Ubuntu: apt install python3-venv)");
  }
  log(`peers: pip install ${PYTHON_REQUIREMENTS.join(" ")}`);
  run([paths.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...PYTHON_REQUIREMENTS], "pip install");
  for (const p of Object.values(paths)) if (!existsSync(p)) throw new Error(`peers: ${p} missing after install`);
  writeFileSync(MARKER, wanted);
  return paths;
}
