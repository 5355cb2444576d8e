/**
 * Curation of a server's (or a group's) tools, from its registry entry
 * (docs/groups.md, Curation): allow and deny lists of glob patterns, renames
 * and description overrides. Every pattern and key names a tool as the server
 * (or, for a group, the group) calls it. A tool the rules hide is not only
 * left out of tools/list: a call to it is answered as for a tool that does
 * not exist, and so is a call to a renamed tool's old name.
 *
 * @example
 *   const curator = new ToolCurator({ deny: ["*delete*"], rename: { read_file: "read" } });
 *   curator.list([{ name: "read_file" }, { name: "delete_file" }]);   // [{ name: "read" }]
 *   curator.original("read");                                          // "read_file"
 *   curator.original("delete_file");                                   // undefined: hidden
 */
import { type Static, Type } from "@sinclair/typebox";
import { Globset } from "../security/globs.ts";

export const ToolCuration = Type.Object(
  {
    allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: "Glob patterns (* and ?): only these tools are shown" })),
    deny: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: "Glob patterns: these tools are hidden, even if allowed" }),
    ),
    rename: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: "^[A-Za-z0-9_.-]{1,128}$" }))),
    describe: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);
export type ToolCuration = Static<typeof ToolCuration>;

type Tool = Record<string, unknown> & { name: string };

export class ToolCurator {
  private readonly allow: Globset | undefined;
  private readonly deny: Globset;
  private readonly renamed: Map<string, string>;
  /** new name -> the server's */
  private readonly renamedFrom: Map<string, string>;

  constructor(private readonly rules: ToolCuration) {
    this.allow = rules.allow ? new Globset(rules.allow) : undefined;
    this.deny = new Globset(rules.deny ?? []);
    this.renamed = new Map(Object.entries(rules.rename ?? {}));
    this.renamedFrom = new Map([...this.renamed].map(([from, to]) => [to, from]));
  }

  /** Whether the tool the server calls `name` is shown. Deny wins over allow. */
  shows(name: string): boolean {
    if (this.deny.matches(name)) return false;
    return this.allow === undefined || this.allow.matches(name);
  }

  /** The tools a client sees: hidden ones left out, renamed and redescribed. A rename's target wins over a tool of that name. */
  list(tools: Tool[]): Tool[] {
    const out: Tool[] = [];
    for (const tool of tools) {
      if (!this.shows(tool.name)) continue;
      const name = this.renamed.get(tool.name) ?? tool.name;
      if (name === tool.name && this.renamedFrom.has(name)) continue;
      const description = this.rules.describe?.[tool.name];
      out.push(
        name === tool.name && description === undefined ? tool : { ...tool, name, ...(description === undefined ? {} : { description }) },
      );
    }
    return out;
  }

  /** The server's name for the tool a client calls `name`; undefined when no shown tool has that name. */
  original(name: string): string | undefined {
    const original = this.renamedFrom.get(name) ?? (this.renamed.has(name) ? undefined : name);
    return original !== undefined && this.shows(original) ? original : undefined;
  }
}

/** Whether `rules` asks for anything (an empty block curates nothing, and costs nothing). */
export function curates(rules: ToolCuration | undefined): rules is ToolCuration {
  return rules !== undefined && Object.values(rules).some((value) => value !== undefined);
}
