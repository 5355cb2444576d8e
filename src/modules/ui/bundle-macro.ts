/**
 * A Bun macro: runs at bundle time (`bun build --compile`) and when the
 * station is run from source, and returns the console's files (ui/bundle.ts)
 * as strings, so both serve the same bytes from memory. Bun.build cannot run
 * inside a macro (the bundler would wait on itself), hence a child process.
 */
import { join } from "node:path";

export function consoleFiles(): Record<string, string> {
  const script = join(import.meta.dir, "..", "..", "..", "ui", "bundle.ts");
  const built = Bun.spawnSync([process.execPath, "run", script], { stdout: "pipe", stderr: "pipe" });
  if (built.exitCode !== 0) throw new Error(`the console did not bundle (ui/bundle.ts):\n${built.stderr.toString()}`);
  return (JSON.parse(built.stdout.toString()) as { files: Record<string, string> }).files;
}
