/**
 * Who may use which registered server and which of its tools: the `access`
 * section of the registry file (MCP_STATION_SERVERS_FILE), beside
 * `mcpServers` and read with it. The section is a top-level key of its own so
 * that the file stays a valid `mcpServers` file for other tools, and so that
 * rules and servers change together in one file an operator reviews.
 *
 * Without the section everyone may do everything (the station's behaviour
 * before it). With it, nothing is allowed unless a rule allows it:
 * - a rule applies to a caller when each of its matchers matches (`tenants`:
 *   one glob matches the tenant; `scopes`: the token holds one of them;
 *   `claims`: each named claim equals, or as a list holds, one of the values;
 *   `admin`: the caller is or is not an admin); a rule without matchers
 *   applies to everyone;
 * - a caller may start a registered server that an applying rule names in
 *   `servers` (globs; a session started from a command, not the registry,
 *   is covered only by `"*"`);
 * - a tool is allowed when an applying rule for its server allows it
 *   (`tools.allow`, every tool when absent) and none denies it (`tools.deny`):
 *   a deny wins.
 *
 * @example
 *   { "mcpServers": { ... },
 *     "access": { "rules": [
 *       { "tenants": ["team-a"], "servers": ["everything"], "tools": { "allow": ["echo", "get-*"] } },
 *       { "scopes": ["mcp:admin"], "servers": ["*"] },
 *       { "servers": ["*"], "tools": { "deny": ["*delete*"] } } ] } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../config/config-error.ts";
import { firstProblem } from "../config/schema-problem.ts";
import type { Caller } from "./caller.ts";

const Globs = Type.Array(Type.String({ minLength: 1 }));

const AccessRule = Type.Object(
  {
    tenants: Type.Optional(Globs),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    claims: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))),
    admin: Type.Optional(Type.Boolean()),
    servers: Globs,
    tools: Type.Optional(Type.Object({ allow: Type.Optional(Globs), deny: Type.Optional(Globs) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type AccessRule = Static<typeof AccessRule>;

const AccessSection = Type.Object({ rules: Type.Array(AccessRule) }, { additionalProperties: false });

/** `*` any run of characters, `?` one; everything else literal. */
function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

class Globset {
  private readonly patterns: RegExp[];
  constructor(readonly globs: readonly string[]) {
    this.patterns = globs.map(globToRegExp);
  }
  matches(name: string): boolean {
    return this.patterns.some((pattern) => pattern.test(name));
  }
}

interface CompiledRule {
  applies(caller: Caller): boolean;
  /** The scopes that make the rule apply (one of them), when it names any. */
  scopes: readonly string[] | undefined;
  servers: Globset;
  allow: Globset;
  deny: Globset;
}

function compile(rule: AccessRule): CompiledRule {
  const tenants = rule.tenants ? new Globset(rule.tenants) : undefined;
  const claims = Object.entries(rule.claims ?? {}).map(([name, wanted]) => [name, typeof wanted === "string" ? [wanted] : wanted] as const);
  return {
    applies: (caller) =>
      (tenants === undefined || tenants.matches(caller.tenant)) &&
      (rule.scopes === undefined || rule.scopes.some((scope) => caller.scopes?.includes(scope))) &&
      (rule.admin === undefined || rule.admin === caller.admin) &&
      claims.every(([name, wanted]) => {
        const value = caller.claims?.[name];
        const held = Array.isArray(value) ? value : [value];
        return held.some((item) => typeof item === "string" && wanted.includes(item));
      }),
    scopes: rule.scopes,
    servers: new Globset(rule.servers),
    allow: new Globset(rule.tools?.allow ?? ["*"]),
    deny: new Globset(rule.tools?.deny ?? []),
  };
}

/** Which tools of one server one caller may list and call. */
export interface ToolFilter {
  allows(tool: string): boolean;
}

/** Every tool of every server: the filter when the file has no `access` section. */
const EVERY_TOOL: ToolFilter = { allows: () => true };

/**
 * The rules in force. One object for the station's life, shared by the manager, the sessions and
 * GET /servers, so a registry reload (src/registry/live-registry.ts) changes them for every reader
 * at once with `replace`.
 */
export class AccessRules {
  private rules: CompiledRule[] | undefined;

  /** `rules` undefined: the file has no `access` section, and everyone may do everything. */
  constructor(rules?: readonly AccessRule[]) {
    this.replace(rules);
  }

  /** Whether the file has rules at all; without them no request pays for checking. */
  get enabled(): boolean {
    return this.rules !== undefined;
  }

  replace(rules: readonly AccessRule[] | undefined): void {
    this.rules = rules?.map(compile);
  }

  /** The rules that apply to `caller` for `server` (a registry name; undefined for a session started from a command). */
  private covering(rules: CompiledRule[], caller: Caller, server: string | undefined): CompiledRule[] {
    return rules.filter(
      (rule) => rule.applies(caller) && (server === undefined ? rule.servers.globs.includes("*") : rule.servers.matches(server)),
    );
  }

  /** Whether `caller` may start the registered server `server`. */
  mayStart(caller: Caller, server: string): boolean {
    return this.rules === undefined || this.covering(this.rules, caller, server).length > 0;
  }

  /** The tools of `server` that `caller` may list and call. */
  toolsFor(caller: Caller, server: string | undefined): ToolFilter {
    if (this.rules === undefined) return EVERY_TOOL;
    const rules = this.covering(this.rules, caller, server);
    return { allows: (tool) => rules.some((rule) => rule.allow.matches(tool)) && !rules.some((rule) => rule.deny.matches(tool)) };
  }

  /**
   * A scope `caller` lacks that would let it call `tool` of `server` (the first a rule names, in the file's
   * order), or undefined when none would: what a step-up challenge asks the client to get (docs/security.md).
   * One scope is always enough when any set is: a scope only adds the rules that name it, so the rule that
   * allows the tool under a set applies under its one scope too, with no more denying rules than the set.
   * Only asked on a refusal, so it may try every scope.
   */
  scopeThatAllows(caller: Caller, server: string | undefined, tool: string): string | undefined {
    if (this.rules === undefined) return undefined;
    const held = caller.scopes ?? [];
    const candidates = new Set(this.rules.flatMap((rule) => rule.scopes ?? []).filter((scope) => !held.includes(scope)));
    for (const scope of candidates) {
      if (this.toolsFor({ ...caller, scopes: [...held, scope] }, server).allows(tool)) return scope;
    }
    return undefined;
  }
}

/** The rules of the `access` section of the registry file `source`; undefined when it has none (everyone may do everything). */
export function parseAccessSection(json: unknown, source: string): AccessRule[] | undefined {
  const section = typeof json === "object" && json !== null ? (json as Record<string, unknown>).access : undefined;
  if (section === undefined) return undefined;
  const problem = firstProblem(AccessSection, section);
  if (problem) throw new ConfigError(`MCP_STATION_SERVERS_FILE ${source}: access: ${problem}`);
  return (section as Static<typeof AccessSection>).rules;
}

/** The access rules of a registry file's JSON `json`. */
export function parseAccessRules(json: unknown, source: string): AccessRules {
  return new AccessRules(parseAccessSection(json, source));
}
