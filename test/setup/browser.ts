// Where the browser tests find Chromium: Debian's package, installed by chromium.ts.
import { existsSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** "Chromium 156.0…" when the browser is installed and starts, else undefined. */
export function chromiumVersion(): string | undefined {
  if (!existsSync(CHROMIUM)) return undefined;
  const p = Bun.spawnSync([CHROMIUM, "--version"], { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) return undefined;
  return new TextDecoder().decode(p.stdout).trim();
}
