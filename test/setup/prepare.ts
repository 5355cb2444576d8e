// Prepares what the tests need outside node_modules: two Python virtualenvs with
// pinned `mcp` releases, one with the deployment checkers, `haproxy` for test/deploy
// (haproxy.ts, installed as promtool is), Chromium for the console's browser tests
// (chromium.ts, likewise), and `promtool` for the /metrics format check (promtool.ts:
// installed with apt-get when missing, on Debian as root; otherwise that check is
// skipped, and this says so). Idempotent: a marker file inside each venv records the
// requirement string, and pip runs again only when the pins change.
//
//   bun run test/setup/prepare.ts
//
// Needs python3 (3.10+) on PATH, or PYTHON=/path/to/python.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./paths.ts";
import { ensureChromium } from "./chromium.ts";
import { ensureHaproxy } from "./haproxy.ts";
import { ensurePromtool } from "./promtool.ts";

interface Venv {
  dir: string;
  requirements: string[];
  /** Extra pip install arguments. */
  pipArgs?: string[];
}

const VENVS: Venv[] = [
  { dir: ".venv-test", requirements: ["mcp==2.3.0"] },
  // httpx is named for the seed's backend snippet (test/http/seed-httpx.test.ts); mcp 1.30.0 pulls it in anyway.
  { dir: ".venv-test-mcp1", requirements: ["mcp==1.30.0", "httpx==0.28.1"] },
  // The offline checks of deploy/ (test/deploy): Kustomize's own Go library (pykustomize ships it as a
  // shared library: no kubectl), Kubernetes' schemas, and the compose_spec parser. pykustomize declares
  // Python 3.14 for its wrapper only; its cffi calls run on 3.10+ (checked by test/deploy rendering).
  {
    dir: ".venv-deploy",
    requirements: ["kubernetes-validate==1.37.0", "pykustomize==0.1.4", "compose-spec==0.2.1", "PyYAML==6.0.4"],
    pipArgs: ["--ignore-requires-python"],
  },
];

const MARKER = ".station-requirements";

function run(cmd: string[]): void {
  const p = Bun.spawnSync(cmd, { cwd: REPO_ROOT, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) {
    const out = new TextDecoder().decode(p.stdout) + new TextDecoder().decode(p.stderr);
    console.error(out.split("\n").slice(-40).join("\n"));
    throw new Error(`prepare: command failed (${p.exitCode}): ${cmd.join(" ")}`);
  }
}

function findPython(): string {
  const candidates = [process.env.PYTHON, "python3", "python"].filter(Boolean) as string[];
  for (const c of candidates) {
    const p = Bun.spawnSync([c, "-c", "import sys; assert sys.version_info >= (3, 10); print(sys.executable)"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    if (p.exitCode === 0) return c;
  }
  throw new Error("prepare: no python >= 3.10 found (set PYTHON=...)");
}

function venvPython(dir: string): string {
  return process.platform === "win32" ? join(dir, "Scripts", "python.exe") : join(dir, "bin", "python");
}

function prepareVenv(v: Venv, basePython: () => string): void {
  const dir = join(REPO_ROOT, v.dir);
  const py = venvPython(dir);
  const marker = join(dir, MARKER);
  const wanted = `${[...v.requirements, ...(v.pipArgs ?? [])].join("\n")}\n`;

  if (existsSync(py) && existsSync(marker) && readFileSync(marker, "utf8") === wanted) {
    console.log(`prepare: ${v.dir} up to date (${v.requirements.join(" ")})`);
    return;
  }
  if (!existsSync(py) || !Bun.spawnSync([py, "-c", "pass"]).success) {
    console.log(`prepare: creating ${v.dir}`);
    rmSync(dir, { recursive: true, force: true });
    try {
      run([basePython(), "-m", "venv", dir]);
    } catch (e) {
      console.error("prepare: `python -m venv` failed; on Debian/Ubuntu install python3-venv");
      throw e;
    }
  }
  console.log(`prepare: pip install ${v.requirements.join(" ")} into ${v.dir}`);
  rmSync(marker, { force: true });
  run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", ...(v.pipArgs ?? []), ...v.requirements]);
  writeFileSync(marker, wanted);
  console.log(`prepare: ${v.dir} ready`);
}

let cached: string | undefined;
const basePython = () => (cached ??= findPython());

for (const v of VENVS) prepareVenv(v, basePython);
ensurePromtool();
ensureHaproxy();
ensureChromium();

const everything = join(REPO_ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
if (!existsSync(everything)) {
  console.warn("prepare: node_modules/@modelcontextprotocol/server-everything missing: run `npm ci`");
  process.exitCode = 1;
} else {
  console.log("prepare: done");
}
