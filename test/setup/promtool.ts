// Makes `promtool` available for the /metrics format check (test/metrics, test/ops),
// which otherwise skips. On a Debian-like machine, as root, it installs Debian's
// `prometheus` package (promtool ships in it; there is no smaller package). Anywhere
// else it prints one line saying the check will be skipped, and why.
//
// Measured on Debian 12 (bookworm), lists already fetched: about 5 to 7 s, 22.5 MB of
// archives, 332 MB on disk (two ~50 MB Go binaries, prometheus and promtool).
import { ensureAptTool } from "./apt-package.ts";

export function ensurePromtool(): void {
  ensureAptTool({
    binary: "promtool",
    pkg: "prometheus",
    skipped: "the /metrics format check (promtool check metrics) will be skipped",
    // Only promtool is wanted: on a machine run by systemd the package also starts a Prometheus server on :9090.
    unit: "prometheus",
    version: (path) => {
      const p = Bun.spawnSync([path, "--version"], { stdout: "pipe", stderr: "pipe" });
      return /version (\S+)/.exec(p.stdout.toString() + p.stderr.toString())?.[1] ?? "unknown version";
    },
  });
}
