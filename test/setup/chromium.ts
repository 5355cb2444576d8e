// Makes Debian's Chromium available for the console's browser tests (test/ui), which
// otherwise skip. On a Debian-like machine, as root, it installs Debian's `chromium`
// package with apt-get; playwright-core drives it at /usr/bin/chromium. Playwright's own
// browser download is never used: the browser comes from the machine's packages.
// Anywhere else it prints one line saying the browser tests will be skipped, and why.
import { CHROMIUM, chromiumVersion } from "./browser.ts";

const SKIPPED = "the console's browser tests (test/ui) will be skipped";

function text(p: { stdout: Uint8Array | undefined; stderr: Uint8Array | undefined }): string {
  const d = new TextDecoder();
  return d.decode(p.stdout ?? new Uint8Array()) + d.decode(p.stderr ?? new Uint8Array());
}

function apt(args: string[]): { ok: boolean; output: string } {
  const p = Bun.spawnSync(["apt-get", ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { ok: p.exitCode === 0, output: text(p) };
}

function hasCandidate(): boolean {
  const p = Bun.spawnSync(["apt-cache", "policy", "chromium"], { stdout: "pipe", stderr: "pipe" });
  const candidate = /Candidate:\s*(\S+)/.exec(text(p))?.[1];
  return candidate !== undefined && candidate !== "(none)";
}

const tail = (output: string) => output.trim().split("\n").slice(-5).join("\n");

/** Finds Chromium, installing it when this machine allows; never throws (a missing browser skips test/ui, not the suite). */
export function ensureChromium(): void {
  const found = chromiumVersion();
  if (found) {
    console.log(`prepare: ${found} at ${CHROMIUM}`);
    return;
  }
  if (process.platform !== "linux" || !Bun.which("apt-get")) {
    console.warn(`prepare: no ${CHROMIUM} and no apt-get here: ${SKIPPED}; install Chromium at ${CHROMIUM} to run them`);
    return;
  }
  if (process.getuid?.() !== 0) {
    console.warn(`prepare: no ${CHROMIUM} and not running as root: ${SKIPPED}; run \`sudo apt-get install chromium\` to run them`);
    return;
  }
  const started = performance.now();
  console.log("prepare: no Chromium: installing Debian's chromium package (apt-get, --no-install-recommends)");
  if (!hasCandidate()) {
    const update = apt(["update", "-qq"]);
    if (!update.ok) {
      console.warn(`prepare: apt-get update failed: ${SKIPPED}\n${tail(update.output)}`);
      return;
    }
  }
  const install = apt(["install", "-y", "-qq", "--no-install-recommends", "chromium", "fonts-dejavu-core"]);
  const installed = chromiumVersion();
  if (!install.ok || !installed) {
    console.warn(`prepare: apt-get install chromium failed: ${SKIPPED}\n${tail(install.output)}`);
    return;
  }
  console.log(`prepare: ${installed} installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) ensureChromium();
