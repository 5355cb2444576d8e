/**
 * The access rules' semantics on their own: who a rule applies to, what it gives (tools, prompts and resource
 * URIs), a deny winning, the forms of a URI that are checked, and a bad section refused at load.
 */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/config-error.ts";
import { parseAccessRules } from "../../src/security/access-rules.ts";
import { Globset } from "../../src/security/globs.ts";
import type { Caller } from "../../src/security/caller.ts";

const caller = (extra: Partial<Caller> = {}): Caller => ({ tenant: "team-a", admin: false, via: "jwt", ...extra });
const rules = (list: unknown[]) => parseAccessRules({ mcpServers: {}, access: { rules: list } }, "servers.json");

describe("access rules", () => {
  test("no access section: no rules at all (everyone may do everything)", () => {
    const open = parseAccessRules({ mcpServers: {} }, "servers.json");
    expect(open.enabled).toBe(false);
    expect(open.mayStart({ tenant: "a", admin: false, via: "api_key" }, "anything")).toBe(true);
  });

  test("with a section, nothing is allowed that no rule gives", () => {
    const none = rules([]);
    expect(none.mayStart(caller(), "files")).toBe(false);
    expect(none.toolsFor(caller(), "files").allows("read")).toBe(false);
  });

  test("tenants, scopes, claims and admin each narrow whom a rule applies to; all given must match", () => {
    const access = rules([
      { tenants: ["team-*"], scopes: ["mcp:files"], servers: ["files"] },
      { claims: { groups: ["ops", "sre"] }, servers: ["shell"] },
      { admin: true, servers: ["*"] },
    ]);
    expect(access.mayStart(caller({ scopes: ["mcp:files"] }), "files")).toBe(true);
    expect(access.mayStart(caller(), "files")).toBe(false);
    expect(access.mayStart(caller({ tenant: "other", scopes: ["mcp:files"] }), "files")).toBe(false);
    expect(access.mayStart(caller({ claims: { groups: ["dev", "sre"] } }), "shell")).toBe(true);
    expect(access.mayStart(caller({ claims: { groups: "ops" } }), "shell")).toBe(true);
    expect(access.mayStart(caller({ claims: { groups: ["dev"] } }), "shell")).toBe(false);
    expect(access.mayStart(caller({ admin: true }), "anything")).toBe(true);
  });

  test("a tool is allowed when a rule for its server allows it and none denies it: a deny wins", () => {
    const access = rules([
      { tenants: ["team-a"], servers: ["files"], tools: { allow: ["read_*", "list?"] } },
      { servers: ["*"], tools: { allow: [], deny: ["*delete*"] } },
      { tenants: ["team-a"], servers: ["files"], tools: { allow: ["read_and_delete"] } },
    ]);
    const tools = access.toolsFor(caller(), "files");
    expect(tools.allows("read_file")).toBe(true);
    expect(tools.allows("lists")).toBe(true);
    expect(tools.allows("list")).toBe(false);
    expect(tools.allows("write_file")).toBe(false);
    expect(tools.allows("read_and_delete")).toBe(false);
    // A glob's other characters are literal.
    expect(tools.allows("read_a.b")).toBe(true);
    expect(
      rules([{ servers: ["*"], tools: { allow: ["a.b"] } }])
        .toolsFor(caller(), "x")
        .allows("axb"),
    ).toBe(false);
  });

  test("a session started from a command, not the registry, is covered only by rules for every server", () => {
    expect(
      rules([{ servers: ["files"] }])
        .toolsFor(caller(), undefined)
        .allows("read"),
    ).toBe(false);
    expect(
      rules([{ servers: ["*"] }])
        .toolsFor(caller(), undefined)
        .allows("read"),
    ).toBe(true);
  });

  test("a malformed section is a ConfigError naming the file and the field", () => {
    expect(() => parseAccessRules({ access: { rules: [{ tenants: ["a"] }] } }, "servers.json")).toThrow(ConfigError);
    expect(() => parseAccessRules({ access: { rules: [{ tenants: ["a"] }] } }, "servers.json")).toThrow(/servers.json: access: .*servers/);
    expect(() => parseAccessRules({ access: { rules: [{ servers: ["*"], tool: ["x"] }] } }, "servers.json")).toThrow(/tool/);
  });

  test("the scope a step-up would ask for: the first that allows the tool, none when a deny that applies already wins", () => {
    const access = rules([
      { scopes: ["mcp:tools"], servers: ["files"], tools: { allow: ["read_*"], deny: ["read_secret"] } },
      { scopes: ["mcp:write"], servers: ["files"], tools: { allow: ["write_*"] } },
      { scopes: ["mcp:admin"], servers: ["files"], tools: { allow: ["*"] } },
      { tenants: ["team-b"], servers: ["shell"], tools: { allow: ["run"] } },
    ]);
    const holder = caller({ scopes: ["mcp:tools"] });
    expect(access.scopeThatAllows(holder, "files", "write_file")).toBe("mcp:write");
    expect(access.scopeThatAllows(holder, "files", "delete")).toBe("mcp:admin");
    // mcp:tools's deny applies whatever else the token holds: no scope helps.
    expect(access.scopeThatAllows(holder, "files", "read_secret")).toBeUndefined();
    // Only a tenant would give it, not a scope.
    expect(access.scopeThatAllows(holder, "shell", "run")).toBeUndefined();
    expect(access.scopeThatAllows(holder, "other", "write_file")).toBeUndefined();
  });

  test("the scope a step-up would ask for to start a server: the first a rule naming the server holds, none when only a tenant gives it", () => {
    const access = rules([
      { scopes: ["mcp:tools"], servers: ["files"] },
      { scopes: ["mcp:ops", "mcp:admin"], servers: ["shell", "db-*"] },
      { scopes: ["mcp:admin"], servers: ["*"] },
      { tenants: ["team-b"], servers: ["secret"] },
    ]);
    const holder = caller({ scopes: ["mcp:tools"] });
    expect(access.scopeThatAllowsServer(holder, "shell")).toBe("mcp:ops");
    expect(access.scopeThatAllowsServer(holder, "db-main")).toBe("mcp:ops");
    expect(access.scopeThatAllowsServer(holder, "anything")).toBe("mcp:admin");
    const tenantOnly = rules([
      { scopes: ["mcp:tools"], servers: ["files"] },
      { tenants: ["team-b"], servers: ["secret"] },
    ]);
    expect(tenantOnly.scopeThatAllowsServer(holder, "secret")).toBeUndefined();
    expect(parseAccessRules({ mcpServers: {} }, "servers.json").scopeThatAllowsServer(holder, "files")).toBeUndefined();
  });

  test("a rule without prompts or resources allows every prompt and resource of its servers: a file of tool rules keeps its meaning", () => {
    const access = rules([
      { tenants: ["team-a"], servers: ["files"], tools: { allow: ["read_*"], deny: ["read_secret"] } },
      { servers: ["*"], tools: { deny: ["*delete*"] } },
    ]);
    expect(access.toolsFor(caller(), "files").allows("read_file")).toBe(true);
    expect(access.toolsFor(caller(), "files").allows("read_secret")).toBe(false);
    expect(access.toolsFor(caller(), "other").allows("delete_all")).toBe(false);
    expect(access.toolsFor(caller(), "other").allows("write")).toBe(true);
    // Tool rules say nothing of prompts and resources: every one is allowed wherever a rule applies.
    for (const server of ["files", "other"]) {
      expect(access.promptsFor(caller(), server).allows("read_secret")).toBe(true);
      expect(access.promptsFor(caller(), server).allows("delete_all")).toBe(true);
      expect(access.resourcesFor(caller(), server).allows("file:///etc/passwd")).toBe(true);
      expect(access.resourcesFor(caller(), server).mayExpand("file:///{path}")).toBe(true);
    }
    // And still nothing where no rule applies.
    const tenantOnly = rules([{ tenants: ["team-a"], servers: ["files"] }]);
    expect(tenantOnly.promptsFor(caller({ tenant: "team-b" }), "files").allows("any")).toBe(false);
    expect(tenantOnly.resourcesFor(caller({ tenant: "team-b" }), "files").allows("file:///x")).toBe(false);
    expect(tenantOnly.resourcesFor(caller(), "shell").allows("file:///x")).toBe(false);
    // No section at all: everything.
    const open = parseAccessRules({ mcpServers: {} }, "servers.json");
    expect(open.promptsFor(caller(), "files").allows("x")).toBe(true);
    expect(open.resourcesFor(caller(), "files").allows("file:///x")).toBe(true);
  });

  test("prompts: allowed when a rule allows the name and none denies it, on their own beside tools", () => {
    const access = rules([
      { tenants: ["team-a"], servers: ["everything"], tools: { allow: ["echo"] }, prompts: { allow: ["*-prompt"], deny: ["resource-*"] } },
      { servers: ["everything"], tools: { allow: [] }, prompts: { allow: ["other"] } },
    ]);
    const prompts = access.promptsFor(caller(), "everything");
    expect(prompts.allows("simple-prompt")).toBe(true);
    expect(prompts.allows("other")).toBe(true);
    expect(prompts.allows("resource-prompt")).toBe(false);
    expect(prompts.allows("echo")).toBe(false);
    expect(access.toolsFor(caller(), "everything").allows("simple-prompt")).toBe(false);
    expect(access.promptsFor(caller({ tenant: "team-b" }), "everything").allows("simple-prompt")).toBe(false);
  });

  test("resource globs: * crosses /, ? is one character, the rest is literal; a deny wins", () => {
    const access = rules([
      { servers: ["files"], resources: { allow: ["file:///data/public/*", "demo://item/?"], deny: ["*.key", "*/private/*"] } },
    ]);
    const resources = access.resourcesFor(caller(), "files");
    expect(resources.allows("file:///data/public/a.txt")).toBe(true);
    expect(resources.allows("file:///data/public/deep/er/b.txt")).toBe(true);
    expect(resources.allows("file:///data/public")).toBe(false);
    expect(resources.allows("file:///data/publicity/a.txt")).toBe(false);
    expect(resources.allows("file:///data/other/a.txt")).toBe(false);
    expect(resources.allows("file:///data/public/server.key")).toBe(false);
    expect(resources.allows("file:///data/public/x/private/y")).toBe(false);
    expect(resources.allows("demo://item/7")).toBe(true);
    expect(resources.allows("demo://item/77")).toBe(false);
    // A tool or prompt named like a URI is not a resource.
    expect(access.toolsFor(caller(), "files").allows("file:///data/public/a.txt")).toBe(true);
    expect(
      rules([{ servers: ["*"], resources: { allow: ["a.b://x"] } }])
        .resourcesFor(caller(), "files")
        .allows("axb://x"),
    ).toBe(false);
  });

  test("a URI is checked as a server could read it: dot segments and percent-escapes cannot step out of an allowed prefix or around a deny", () => {
    const access = rules([{ servers: ["files"], resources: { allow: ["file:///data/public/*"], deny: ["file:///data/public/secret/*"] } }]);
    const resources = access.resourcesFor(caller(), "files");
    expect(resources.allows("file:///data/public/a%20b.txt")).toBe(true);
    expect(resources.allows("file:///data/public/./a.txt")).toBe(true);
    expect(resources.allows("file:///data/public/../private/key")).toBe(false);
    expect(resources.allows("file:///data/public/%2e%2e/private/key")).toBe(false);
    expect(resources.allows("file:///data/public/..%2Fprivate/key")).toBe(false);
    expect(resources.allows("file:///data/public/x/../secret/key")).toBe(false);
    expect(resources.allows("file:///data/public/%73ecret/key")).toBe(false);
    expect(resources.allows("FILE:///data/public/secret/key")).toBe(false);
    // A malformed escape or a text that is no URL is checked as written.
    expect(resources.allows("file:///data/public/100%")).toBe(true);
    expect(
      rules([{ servers: ["*"], resources: { allow: ["notes-*"] } }])
        .resourcesFor(caller(), "x")
        .allows("notes-1"),
    ).toBe(true);
  });

  test("a template is listed unless the rules refuse every URI it could give, as its literal text before the first { tells", () => {
    const access = rules([
      {
        servers: ["files"],
        resources: { allow: ["file:///data/public/*", "demo://static/readme"], deny: ["file:///data/public/secret/*"] },
      },
    ]);
    const resources = access.resourcesFor(caller(), "files");
    expect(resources.mayExpand("file:///data/public/{name}")).toBe(true);
    expect(resources.mayExpand("file:///data/{+path}")).toBe(true);
    expect(resources.mayExpand("file:///{+path}")).toBe(true);
    expect(resources.mayExpand("file:///etc/{name}")).toBe(false);
    expect(resources.mayExpand("file:///data/public/secret/{name}")).toBe(false);
    expect(resources.mayExpand("demo://static/{name}")).toBe(true);
    expect(resources.mayExpand("demo://dynamic/{id}")).toBe(false);
    // A template without expressions is one URI.
    expect(resources.mayExpand("demo://static/readme")).toBe(true);
    expect(resources.mayExpand("demo://static/other")).toBe(false);
  });

  test("prompts and resources are checked like tools: a malformed grant is a ConfigError", () => {
    expect(() => parseAccessRules({ access: { rules: [{ servers: ["*"], prompts: { allow: "x" } }] } }, "servers.json")).toThrow(/prompts/);
    expect(() => parseAccessRules({ access: { rules: [{ servers: ["*"], resources: { permit: ["x"] } }] } }, "servers.json")).toThrow(
      /resources/,
    );
    expect(() => parseAccessRules({ access: { rules: [{ servers: ["*"], resources: { deny: [""] } }] } }, "servers.json")).toThrow(
      ConfigError,
    );
  });

  test("grantsFor gathers the globs of the rules that apply to a caller, and they decide as the filters do", () => {
    const written = [
      { tenants: ["team-a"], servers: ["files"], tools: { allow: ["read_*", "list?"] }, resources: { allow: ["file:///data/*"] } },
      { servers: ["*"], tools: { allow: [], deny: ["*delete*"] }, prompts: { deny: ["secret"] } },
      { tenants: ["team-b"], servers: ["files"], tools: { allow: ["write_*"] } },
    ];
    const access = rules(written);
    expect(access.written).toEqual(written);
    const grants = access.grantsFor(caller(), "files");
    expect(grants).toEqual({
      tools: { allow: ["read_*", "list?"], deny: ["*delete*"] },
      // The second rule gives every resource and the first only file:///data/*: one allow is enough.
      prompts: { allow: ["*"], deny: ["secret"] },
      resources: { allow: ["file:///data/*", "*"], deny: [] },
    });
    const decides = (globs: { allow: string[]; deny: string[] }, name: string) =>
      new Globset(globs.allow).matches(name) && !new Globset(globs.deny).matches(name);
    for (const name of ["read_file", "read_and_delete", "lists", "list", "write_file", "delete"]) {
      expect(decides(grants.tools, name)).toBe(access.toolsFor(caller(), "files").allows(name));
    }
    for (const name of ["secret", "other"]) expect(decides(grants.prompts, name)).toBe(access.promptsFor(caller(), "files").allows(name));
    // Only the rule for every server applies to team-c: it allows no tool. No section: everything.
    expect(access.grantsFor(caller({ tenant: "team-c" }), "shell").tools).toEqual({ allow: [], deny: ["*delete*"] });
    expect(parseAccessRules({ mcpServers: {} }, "servers.json").grantsFor(caller(), "x").resources).toEqual({ allow: ["*"], deny: [] });
  });
});
