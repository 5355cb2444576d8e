/**
 * A registry file (MCP_STATION_SERVERS_FILE) written for one test file, in a
 * directory of its own, removed with it.
 *
 * @example
 *   const registry = writeRegistry({ mcpServers: { echo: { command: fixture("echo.mjs") } } });
 *   const station = await startStation({ MCP_STATION_SERVERS_FILE: registry.file });
 *   ...
 *   registry.remove();
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RegistryFile {
  dir: string;
  file: string;
  /** Replaces the file as editors do (a new file renamed over it), so a watching station reads it whole. */
  save(content: unknown): void;
  remove(): void;
}

/** `content`: the file's JSON, or a function of the directory for entries that keep files beside it. */
export function writeRegistry(content: unknown): RegistryFile {
  const dir = mkdtempSync(join(tmpdir(), "mcp-station-registry-"));
  const file = join(dir, "servers.json");
  writeFileSync(file, JSON.stringify(typeof content === "function" ? content(dir) : content));
  const save = (next: unknown) => {
    const temporary = join(dir, `.servers.json.${crypto.randomUUID()}`);
    writeFileSync(temporary, JSON.stringify(next));
    renameSync(temporary, file);
  };
  return { dir, file, save, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
