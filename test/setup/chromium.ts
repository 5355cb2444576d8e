// Makes Debian's Chromium available for the console's browser tests (test/ui), which
// otherwise skip. On a Debian-like machine, as root, it installs Debian's `chromium`
// package with apt-get; playwright-core drives it at /usr/bin/chromium. Playwright's own
// browser download is never used: the browser comes from the machine's packages.
// Anywhere else it prints one line saying the browser tests will be skipped, and why.
import { ensureAptTool } from "./apt-package.ts";
import { CHROMIUM, chromiumVersion } from "./browser.ts";

export function ensureChromium(): void {
  ensureAptTool({
    binary: CHROMIUM,
    pkg: "chromium",
    // Screenshots need a font for text; Debian's chromium recommends one but --no-install-recommends skips it.
    with: ["fonts-dejavu-core"],
    skipped: "the console's browser tests (test/ui) will be skipped",
    version: () => chromiumVersion() ?? "(does not start)",
  });
}

if (import.meta.main) ensureChromium();
