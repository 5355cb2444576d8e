/** The access rules' semantics on their own: who a rule applies to, what it gives, a deny winning, and a bad section refused at load. */
import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/config/config-error.ts";
import { parseAccessRules } from "../../src/security/access-rules.ts";
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
});
