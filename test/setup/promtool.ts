// Makes `promtool` available for the /metrics format check (test/metrics, test/ops),
// which otherwise skips. On a Debian-like machine, as root, it installs Debian's
// `prometheus` package (promtool ships in it; there is no smaller package). Anywhere
// else it prints one line saying the check will be skipped, and why.
//
// Measured on Debian 12 (bookworm), lists already fetched: about 5 to 7 s, 22.5 MB of
// archives, 332 MB on disk (two ~50 MB Go binaries, prometheus and promtool).
import { existsSync } from "node:fs";

const SKIPPED = "the /metrics format check (promtool check metrics) will be skipped";

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

/** Whether apt knows a version of `prometheus` to install (a fresh image has no package lists). */
function hasCandidate(): boolean {
  const p = Bun.spawnSync(["apt-cache", "policy", "prometheus"], { stdout: "pipe", stderr: "pipe" });
  const candidate = /Candidate:\s*(\S+)/.exec(text(p))?.[1];
  return candidate !== undefined && candidate !== "(none)";
}

function version(promtool: string): string {
  const p = Bun.spawnSync([promtool, "--version"], { stdout: "pipe", stderr: "pipe" });
  return /version (\S+)/.exec(text(p))?.[1] ?? "unknown version";
}

/** Finds promtool, installing it when this machine allows; never throws (a missing promtool skips one check, not the suite). */
export function ensurePromtool(): void {
  const found = Bun.which("promtool");
  if (found) {
    console.log(`prepare: promtool ${version(found)} at ${found}`);
    return;
  }
  if (process.platform !== "linux" || !Bun.which("apt-get")) {
    console.warn(`prepare: promtool not on PATH and no apt-get here: ${SKIPPED}; install Prometheus's promtool to run it`);
    return;
  }
  if (process.getuid?.() !== 0) {
    console.warn(
      `prepare: promtool not on PATH and not running as root: ${SKIPPED}; run \`sudo apt-get install --no-install-recommends prometheus\` to run it`,
    );
    return;
  }
  const started = performance.now();
  console.log("prepare: promtool not on PATH: installing Debian's prometheus package (apt-get, --no-install-recommends)");
  if (!hasCandidate()) {
    const update = apt(["update", "-qq"]);
    if (!update.ok) {
      console.warn(`prepare: apt-get update failed: ${SKIPPED}\n${update.output.trim().split("\n").slice(-5).join("\n")}`);
      return;
    }
  }
  const install = apt(["install", "-y", "-qq", "--no-install-recommends", "prometheus"]);
  const installed = Bun.which("promtool");
  if (!install.ok || !installed) {
    console.warn(`prepare: apt-get install prometheus failed: ${SKIPPED}\n${install.output.trim().split("\n").slice(-5).join("\n")}`);
    return;
  }
  // Only promtool is wanted: on a machine run by systemd the package also starts a Prometheus server on :9090.
  if (existsSync("/run/systemd/system"))
    Bun.spawnSync(["systemctl", "disable", "--now", "prometheus"], { stdout: "ignore", stderr: "ignore" });
  console.log(`prepare: promtool ${version(installed)} installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
