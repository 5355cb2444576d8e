// Installs a tool a test needs from Debian's packages (promtool, haproxy, Chromium):
// only on a Debian-like machine and as root; anywhere else one line says which checks will be
// skipped and how to install the tool by hand. Never throws: a missing tool skips its checks,
// not the suite.
import { existsSync } from "node:fs";

export interface AptTool {
  /** The command on PATH, e.g. "haproxy", or an absolute path where the tests look for it. */
  binary: string;
  /** The Debian package that ships it. */
  pkg: string;
  /** Other packages installed with it (fonts for a browser). */
  with?: string[];
  /** What is skipped without it, for the messages. */
  skipped: string;
  /** A systemd unit the package starts that the tests do not want running. */
  unit?: string;
  /** The tool's version line, for the log. */
  version(path: string): string;
}

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

/** Whether apt knows a version of `pkg` to install (a fresh image has no package lists). */
function hasCandidate(pkg: string): boolean {
  const p = Bun.spawnSync(["apt-cache", "policy", pkg], { stdout: "pipe", stderr: "pipe" });
  const candidate = /Candidate:\s*(\S+)/.exec(text(p))?.[1];
  return candidate !== undefined && candidate !== "(none)";
}

const tail = (output: string) => output.trim().split("\n").slice(-5).join("\n");

/** The tool's path, installing its package when this machine allows; undefined when it is not to be had. */
export function ensureAptTool(tool: AptTool): string | undefined {
  const find = () =>
    tool.binary.startsWith("/") ? (existsSync(tool.binary) ? tool.binary : undefined) : (Bun.which(tool.binary) ?? undefined);
  const found = find();
  if (found) {
    console.log(`prepare: ${tool.binary} ${tool.version(found)} at ${found}`);
    return found;
  }
  if (process.platform !== "linux" || !Bun.which("apt-get")) {
    console.warn(`prepare: ${tool.binary} not on PATH and no apt-get here: ${tool.skipped}; install ${tool.pkg} to run them`);
    return undefined;
  }
  if (process.getuid?.() !== 0) {
    console.warn(
      `prepare: ${tool.binary} not on PATH and not running as root: ${tool.skipped}; run \`sudo apt-get install --no-install-recommends ${tool.pkg}\``,
    );
    return undefined;
  }
  const started = performance.now();
  console.log(`prepare: ${tool.binary} not on PATH: installing Debian's ${tool.pkg} package (apt-get, --no-install-recommends)`);
  if (!hasCandidate(tool.pkg)) {
    const update = apt(["update", "-qq"]);
    if (!update.ok) {
      console.warn(`prepare: apt-get update failed: ${tool.skipped}\n${tail(update.output)}`);
      return undefined;
    }
  }
  const install = apt(["install", "-y", "-qq", "--no-install-recommends", tool.pkg, ...(tool.with ?? [])]);
  const installed = find();
  if (!install.ok || !installed) {
    console.warn(`prepare: apt-get install ${tool.pkg} failed: ${tool.skipped}\n${tail(install.output)}`);
    return undefined;
  }
  // Only the tool is wanted: on a machine run by systemd the package may also start its service.
  if (tool.unit && existsSync("/run/systemd/system"))
    Bun.spawnSync(["systemctl", "disable", "--now", tool.unit], { stdout: "ignore", stderr: "ignore" });
  console.log(`prepare: ${tool.binary} ${tool.version(installed)} installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return installed;
}
