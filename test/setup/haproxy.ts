// Makes `haproxy` available for the deployment tests (test/deploy): `haproxy -c` checks
// deploy/compose/haproxy.cfg, and a real HAProxy in front of stations on loopback shows that
// the session id in the path picks one backend. Debian's haproxy package, installed with
// apt-get as root; elsewhere those checks are skipped, and this says so.
import { ensureAptTool } from "./apt-package.ts";

export function ensureHaproxy(): void {
  ensureAptTool({
    binary: "haproxy",
    pkg: "haproxy",
    skipped: "the HAProxy checks of test/deploy will be skipped",
    unit: "haproxy",
    version: (path) => {
      const p = Bun.spawnSync([path, "-v"], { stdout: "pipe", stderr: "pipe" });
      return /version (\S+)/.exec(p.stdout.toString())?.[1] ?? "unknown version";
    },
  });
}
