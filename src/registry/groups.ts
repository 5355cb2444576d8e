/**
 * Groups ("virtual servers"): registry entries that name other entries as
 * members, served as one session and one MCP endpoint (docs/groups.md). They
 * live under a top-level `mcpGroups` key beside `mcpServers`, not inside it:
 * Claude Desktop, Cursor and the other tools that read the same file expect
 * every `mcpServers` entry to be a server they can start, and ignore keys
 * they do not know.
 *
 * @example
 *   { "mcpServers": { "files": { "command": "…" }, "search": { "command": "…" } },
 *     "mcpGroups": { "station": { "members": ["files", "search"], "prefix": "collision", "separator": "__" } } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../config/config-error.ts";
import { firstProblem } from "../config/schema-problem.ts";
import { ToolCuration } from "../sessions/curation.ts";
import type { ServerEntry } from "./registry.ts";

/** When a member's tool and prompt names get the member's name in front. */
export const PrefixMode = Type.Union([Type.Literal("always"), Type.Literal("collision"), Type.Literal("never")]);
export type PrefixMode = Static<typeof PrefixMode>;

/**
 * Characters the MCP specification (2025-11-25, tool names) allows besides letters and digits are
 * `_`, `-` and `.`; the separator is made of those alone, so a prefixed name is still a valid name.
 */
const SEPARATOR = "^[_.-]{1,3}$";

export const GroupFileEntry = Type.Object({
  members: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 64 }),
  prefix: Type.Optional(PrefixMode),
  separator: Type.Optional(Type.String({ pattern: SEPARATOR })),
  description: Type.Optional(Type.String()),
  tools: Type.Optional(ToolCuration),
});
export type GroupFileEntry = Static<typeof GroupFileEntry>;

/** A group as the station uses it. */
export interface GroupEntry {
  name: string;
  /** Member server names, in the order that decides collisions: the first keeps a contested name. */
  members: string[];
  prefix: PrefixMode;
  separator: string;
  description?: string;
  /** Curation of the group's tools, by the names the group gives them (src/sessions/curation.ts). */
  tools?: ToolCuration;
}

/** The default: only a name two members share is prefixed, so adding a member never renames another's tools. */
export const DEFAULT_PREFIX: PrefixMode = "collision";
/** `__`: in the specification's set, and also in the narrower one LLM APIs accept for function names (no dot). */
export const DEFAULT_SEPARATOR = "__";

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/** The file's `mcpGroups`, checked against its servers; a bad group refuses the whole file. */
export function parseGroups(json: unknown, servers: Map<string, ServerEntry>, source: string): Map<string, GroupEntry> {
  const fail = (why: string): never => {
    throw new ConfigError(`MCP_STATION_SERVERS_FILE ${source}: ${why}`);
  };
  const groups = new Map<string, GroupEntry>();
  const raw = isObject(json) ? json.mcpGroups : undefined;
  if (raw === undefined) return groups;
  if (!isObject(raw)) return fail('"mcpGroups" must be an object');
  const serverNames = isObject(json) && isObject(json.mcpServers) ? new Set(Object.keys(json.mcpServers)) : new Set<string>();
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) fail(`group name "${name}" must be letters, digits, dot, dash or underscore`);
    // One namespace for POST /sessions {"server": name} and /servers/{name}/mcp.
    if (serverNames.has(name)) fail(`group "${name}" has the name of a server in mcpServers`);
    const problem = firstProblem(GroupFileEntry, value);
    if (problem) fail(`group "${name}": ${problem}`);
    const entry = value as GroupFileEntry;
    const seen = new Set<string>();
    for (const member of entry.members) {
      if (seen.has(member)) fail(`group "${name}" names member "${member}" twice`);
      seen.add(member);
      if (!servers.has(member)) fail(`group "${name}": member "${member}" is not a server in mcpServers`);
    }
    groups.set(name, {
      name,
      members: entry.members,
      prefix: entry.prefix ?? DEFAULT_PREFIX,
      separator: entry.separator ?? DEFAULT_SEPARATOR,
      description: entry.description,
      tools: entry.tools,
    });
  }
  return groups;
}

/** What GET /servers shows of a group. */
export function describeGroup(group: GroupEntry) {
  return {
    name: group.name,
    members: group.members,
    prefix: group.prefix,
    separator: group.separator,
    description: group.description ?? null,
    ...(group.tools ? { tools: group.tools } : {}),
  };
}
