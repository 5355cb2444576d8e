/**
 * The registry file (MCP_STATION_SERVERS_FILE) read once and parsed whole:
 * its servers (`mcpServers`), groups (`mcpGroups`) and access rules
 * (`access`). Start-up (src/config/load.ts) and every reload
 * (live-registry.ts) read it here, so the three sections always come from
 * the same bytes and a problem in any of them refuses the whole file.
 *
 * @example
 *   const { servers, groups, access, warnings } = readRegistryFile("/etc/mcp-station/servers.json").parsed;
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/config-error.ts";
import { type AccessRule, parseAccessSection } from "../security/access-rules.ts";
import { type GroupEntry, parseGroups } from "./groups.ts";
import { type ServerEntry, parseRegistry } from "./registry.ts";

export interface RegistryContents {
  servers: Map<string, ServerEntry>;
  groups: Map<string, GroupEntry>;
  /** The `access` section's rules; undefined: the file has none (everyone may do everything). */
  access: AccessRule[] | undefined;
  /** Entries skipped, for the log. */
  warnings: string[];
}

export function parseRegistryFile(json: unknown, source: string): RegistryContents {
  const warnings: string[] = [];
  const servers = parseRegistry(json, source, (warning) => warnings.push(warning));
  return { servers, groups: parseGroups(json, servers, source), access: parseAccessSection(json, source), warnings };
}

/** Reads and parses the file at `path`; throws ConfigError naming the file when it cannot be read, parsed or validated. */
export function readRegistryFile(path: string): { text: string; parsed: RegistryContents } {
  let text: string;
  let json: unknown;
  try {
    text = readFileSync(path, "utf8");
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`MCP_STATION_SERVERS_FILE ${path}: ${(error as Error).message}`, { cause: error });
  }
  return { text, parsed: parseRegistryFile(json, path) };
}
