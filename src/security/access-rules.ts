/**
 * Who may use which registered server and which of its tools, prompts and
 * resources: the `access`
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
 *   a deny wins. Prompts (`prompts`, by name) and resources (`resources`, by
 *   URI) the same way, each on its own: a rule's `tools` says nothing of its
 *   prompts, and a rule without `prompts` allows every prompt.
 *
 * @example
 *   { "mcpServers": { ... },
 *     "access": { "rules": [
 *       { "tenants": ["team-a"], "servers": ["everything"], "tools": { "allow": ["echo", "get-*"] },
 *         "resources": { "allow": ["demo://resource/static/*"] } },
 *       { "scopes": ["mcp:admin"], "servers": ["*"] },
 *       { "servers": ["*"], "tools": { "deny": ["*delete*"] } } ] } }
 */
import { type Static, Type } from "@sinclair/typebox";
import { ConfigError } from "../config/config-error.ts";
import { firstProblem } from "../config/schema-problem.ts";
import type { Caller } from "./caller.ts";
import { Globset } from "./globs.ts";
import { uriForms } from "./resource-uris.ts";

const Globs = Type.Array(Type.String({ minLength: 1 }));
const Grant = Type.Object({ allow: Type.Optional(Globs), deny: Type.Optional(Globs) }, { additionalProperties: false });

/** One rule as the file writes it; GET /access answers with these, so the schema is exported. */
export const AccessRule = Type.Object(
  {
    tenants: Type.Optional(Globs),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    claims: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]))),
    admin: Type.Optional(Type.Boolean()),
    servers: Globs,
    /** Globs on tool names. */
    tools: Type.Optional(Grant),
    /** Globs on prompt names. */
    prompts: Type.Optional(Grant),
    /** Globs on resource URIs (src/security/resource-uris.ts says which forms of a URI are checked). */
    resources: Type.Optional(Grant),
  },
  { additionalProperties: false },
);
export type AccessRule = Static<typeof AccessRule>;

const AccessSection = Type.Object({ rules: Type.Array(AccessRule) }, { additionalProperties: false });

/** What a rule's grants are about: each has its own `allow` and `deny`. */
export type RuledKind = "tools" | "prompts" | "resources";

interface CompiledGrant {
  allow: Globset;
  deny: Globset;
}

interface CompiledRule extends Record<RuledKind, CompiledGrant> {
  applies(caller: Caller): boolean;
  /** The scopes that make the rule apply (one of them), when it names any. */
  scopes: readonly string[] | undefined;
  servers: Globset;
}

/** A grant left out gives everything of its kind: `tools` absent always meant every tool. */
function compileGrant(grant: Static<typeof Grant> | undefined): CompiledGrant {
  return { allow: new Globset(grant?.allow ?? ["*"]), deny: new Globset(grant?.deny ?? []) };
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
    tools: compileGrant(rule.tools),
    prompts: compileGrant(rule.prompts),
    resources: compileGrant(rule.resources),
  };
}

/** Which tools or prompts (by name) of one server one caller may list and use. */
export interface NameFilter {
  allows(name: string): boolean;
}

/** Which resources (by URI) of one server one caller may list and read. */
export interface ResourceFilter extends NameFilter {
  /**
   * Whether a URI the template `uriTemplate` expands to could be allowed: false only when the rules refuse
   * every one, as far as the template's literal text before its first `{` tells (no rule's allow glob fits
   * under it, or a deny glob `<head>*` covers it). Listing it promises nothing: each read is checked.
   */
  mayExpand(uriTemplate: string): boolean;
}

/** A filter from the rules that apply: allowed when one allows and none denies (a deny wins). */
function grantFilter(rules: readonly CompiledRule[], kind: RuledKind): NameFilter {
  return { allows: (name) => rules.some((rule) => rule[kind].allow.matches(name)) && !rules.some((rule) => rule[kind].deny.matches(name)) };
}

function resourceFilter(rules: readonly CompiledRule[]): ResourceFilter {
  const byUri = grantFilter(rules, "resources");
  return {
    allows: (uri) => uriForms(uri).every((form) => byUri.allows(form)),
    mayExpand: (uriTemplate) => {
      const brace = uriTemplate.indexOf("{");
      if (brace === -1) return byUri.allows(uriTemplate);
      const head = uriTemplate.slice(0, brace);
      return (
        rules.some((rule) => rule.resources.allow.mayMatchUnder(head)) && !rules.some((rule) => rule.resources.deny.matchesAllUnder(head))
      );
    },
  };
}

/**
 * What one caller may use of one server, as globs: a name or URI is allowed when an `allow` glob matches it
 * and no `deny` glob does (the union of the applying rules' globs, which decides as the filters above do).
 * An empty `allow`: nothing of its kind.
 */
export type Grants = Record<RuledKind, { allow: string[]; deny: string[] }>;

/** Everything of every server: the filter when the file has no `access` section. */
const EVERYTHING: ResourceFilter = { allows: () => true, mayExpand: () => true };

/**
 * The rules in force. One object for the station's life, shared by the manager, the sessions and
 * GET /servers, so a registry reload (src/registry/live-registry.ts) changes them for every reader
 * at once with `replace`.
 */
export class AccessRules {
  private rules: CompiledRule[] | undefined;
  private source: readonly AccessRule[] | undefined;

  /** `rules` undefined: the file has no `access` section, and everyone may do everything. */
  constructor(rules?: readonly AccessRule[]) {
    this.replace(rules);
  }

  /** Whether the file has rules at all; without them no request pays for checking. */
  get enabled(): boolean {
    return this.rules !== undefined;
  }

  /** The rules as the file writes them, in its order; undefined without an `access` section (GET /access). */
  get written(): readonly AccessRule[] | undefined {
    return this.source;
  }

  replace(rules: readonly AccessRule[] | undefined): void {
    this.rules = rules?.map(compile);
    this.source = rules;
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
  toolsFor(caller: Caller, server: string | undefined): NameFilter {
    if (this.rules === undefined) return EVERYTHING;
    return grantFilter(this.covering(this.rules, caller, server), "tools");
  }

  /** The prompts of `server` that `caller` may list, get and complete. */
  promptsFor(caller: Caller, server: string | undefined): NameFilter {
    if (this.rules === undefined) return EVERYTHING;
    return grantFilter(this.covering(this.rules, caller, server), "prompts");
  }

  /** The resources of `server` that `caller` may list, read, subscribe to and complete. */
  resourcesFor(caller: Caller, server: string | undefined): ResourceFilter {
    if (this.rules === undefined) return EVERYTHING;
    return resourceFilter(this.covering(this.rules, caller, server));
  }

  /**
   * What `caller` may use of `server`, as the globs of the rules that apply (GET /access/me): each kind's
   * `allow` and `deny` globs gathered from them, which say no more and no less than `toolsFor`,
   * `promptsFor` and `resourcesFor` (one rule allows and none denies). Without rules, everything.
   */
  grantsFor(caller: Caller, server: string): Grants {
    const covering = this.rules === undefined ? undefined : this.covering(this.rules, caller, server);
    const gathered = (kind: RuledKind) =>
      covering === undefined
        ? { allow: ["*"], deny: [] }
        : {
            allow: [...new Set(covering.flatMap((rule) => rule[kind].allow.globs))],
            deny: [...new Set(covering.flatMap((rule) => rule[kind].deny.globs))],
          };
    return { tools: gathered("tools"), prompts: gathered("prompts"), resources: gathered("resources") };
  }

  /**
   * A scope `caller` lacks that would let it call `tool` of `server` (the first a rule names, in the file's
   * order), or undefined when none would: what a step-up challenge asks the client to get (docs/security.md).
   */
  scopeThatAllows(caller: Caller, server: string | undefined, tool: string): string | undefined {
    return this.scopeThat(caller, (wider) => this.toolsFor(wider, server).allows(tool));
  }

  /** A scope `caller` lacks that would let it start the registered server `server`, as scopeThatAllows for a tool. */
  scopeThatAllowsServer(caller: Caller, server: string): string | undefined {
    return this.scopeThat(caller, (wider) => this.mayStart(wider, server));
  }

  /**
   * The first scope a rule names, in the file's order, that `caller` lacks and that would make `allowed` true.
   * One scope is always enough when any set is: a scope only adds the rules that name it, so the rule that
   * allows under a set applies under its one scope too, with no more denying rules than the set.
   * Only asked on a refusal, so it may try every scope.
   */
  private scopeThat(caller: Caller, allowed: (wider: Caller) => boolean): string | undefined {
    if (this.rules === undefined) return undefined;
    const held = caller.scopes ?? [];
    const candidates = new Set(this.rules.flatMap((rule) => rule.scopes ?? []).filter((scope) => !held.includes(scope)));
    for (const scope of candidates) {
      if (allowed({ ...caller, scopes: [...held, scope] })) return scope;
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
