/**
 * What may run under a policy other than `any`: the allow-list, the env
 * variables that change what runs, and working_dir confined to allowed roots
 * (symlinks and ".." resolved before the check).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { checkEnvVars, confineWorkingDir, isAllowedCommand } from "../../src/security/command-policy.ts";
import { FIXTURES_DIR, fixture } from "../setup/paths.ts";
import { type LoggedStation, startLoggedStation } from "./support.ts";

let root: string;
let outside: string;
beforeAll(() => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "mcp-station-policy-")));
  root = join(base, "allowed");
  outside = join(base, "secret");
  mkdirSync(join(root, "project"), { recursive: true });
  mkdirSync(outside);
  symlinkSync(outside, join(root, "escape"));
  symlinkSync(join(root, "project"), join(root, "inside-link"));
});
afterAll(() => rmSync(join(root, ".."), { recursive: true, force: true }));

describe("env_vars under a guarded policy", () => {
  test("names that change what runs are refused, in any case", () => {
    for (const name of [
      "LD_PRELOAD",
      "LD_LIBRARY_PATH",
      "ld_audit",
      "DYLD_INSERT_LIBRARIES",
      "NODE_OPTIONS",
      "PYTHONPATH",
      "PYTHONSTARTUP",
      "PATH",
      "BASH_ENV",
      "PERL5OPT",
      "JAVA_TOOL_OPTIONS",
    ]) {
      expect(() => checkEnvVars({ [name]: "x" })).toThrow("changes which code");
    }
    expect(() => checkEnvVars({ "A=B": "x" })).toThrow("not a valid variable name");
    expect(checkEnvVars({ API_KEY: "secret", DEBUG: "1" })).toEqual({ API_KEY: "secret", DEBUG: "1" });
  });
});

describe("working_dir confinement", () => {
  test("a directory inside a root is accepted, resolved to its real path", () => {
    expect(confineWorkingDir(join(root, "project"), [root])).toBe(join(root, "project"));
    expect(confineWorkingDir(join(root, "inside-link"), [root])).toBe(join(root, "project"));
  });
  test("'..', a symlink out, a sibling with the root as a prefix, and no roots at all are refused", () => {
    expect(() => confineWorkingDir(join(root, "project", "..", "..", "secret"), [root])).toThrow("outside the allowed roots");
    expect(() => confineWorkingDir(join(root, "escape"), [root])).toThrow("outside the allowed roots");
    mkdirSync(`${root}-sibling`, { recursive: true });
    expect(() => confineWorkingDir(`${root}-sibling`, [root])).toThrow("outside the allowed roots");
    expect(() => confineWorkingDir(join(root, "project"), [])).toThrow("MCP_STATION_ALLOWED_ROOTS");
    expect(() => confineWorkingDir("project", [root])).toThrow("absolute");
  });
});

describe("the allow-list", () => {
  const PATH = process.env.PATH ?? "";
  test("bare names match as found on PATH; prefixes and exact paths match real paths", () => {
    expect(isAllowedCommand("node", "executable", ["node"], undefined, PATH)).toBe(true);
    expect(isAllowedCommand(Bun.which("node")!, "executable", ["node"], undefined, PATH)).toBe(false);
    expect(isAllowedCommand(fixture("echo.mjs"), "script", [`${FIXTURES_DIR}/`], undefined, PATH)).toBe(true);
    expect(isAllowedCommand(`${FIXTURES_DIR}/../../package.json`, "script", [`${FIXTURES_DIR}/`], undefined, PATH)).toBe(false);
    expect(isAllowedCommand(fixture("echo.mjs"), "script", [fixture("echo.mjs")], undefined, PATH)).toBe(true);
    expect(isAllowedCommand(fixture("crash.mjs"), "script", [fixture("echo.mjs")], undefined, PATH)).toBe(false);
    expect(isAllowedCommand("-e", "script", [`${FIXTURES_DIR}/`], undefined, PATH)).toBe(false);
  });

  test("allowlist without anything to allow is a configuration error", () => {
    expect(() => loadConfig({ MCP_STATION_COMMAND_POLICY: "allowlist" })).toThrow(ConfigError);
  });
});

describe("over HTTP with policy allowlist", () => {
  let station: LoggedStation | undefined;
  afterEach(async () => {
    await station?.stop();
    station = undefined;
  });
  const env = () => ({
    MCP_STATION_COMMAND_POLICY: "allowlist",
    MCP_STATION_ALLOWED_COMMANDS: `${FIXTURES_DIR}/`,
    MCP_STATION_ALLOWED_ROOTS: root,
  });

  test("an allowed script runs in an allowed working_dir; everything else is 403 and starts nothing", async () => {
    station = await startLoggedStation(env());
    const s = station;
    const ok = await s.call("POST", "/sessions", {
      server_command: fixture("echo.mjs"),
      working_dir: join(root, "inside-link"),
      env_vars: { DEBUG: "1" },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.working_dir).toBe(join(root, "project"));
    const refusals = [
      { server_command: "/bin/sh", server_args: ["-c", "id"] },
      { server_type: "node", server_command: "-e", server_args: ["process.exit(0)"] },
      { server_command: fixture("echo.mjs"), env_vars: { NODE_OPTIONS: "--require /tmp/evil.js" } },
      { server_command: fixture("echo.mjs"), env_vars: { LD_PRELOAD: "/tmp/evil.so" } },
      { server_command: fixture("echo.mjs"), working_dir: join(root, "escape") },
      { server_command: fixture("echo.mjs"), working_dir: `${root}/project/../../secret` },
      { server_command: fixture("echo.mjs"), working_dir: "/" },
    ];
    for (const body of refusals) {
      const reply = await s.call("POST", "/sessions", body);
      expect({ body, status: reply.status }).toEqual({ body, status: 403 });
    }
    expect(s.manager.activeCount).toBe(1);
    expect(s.logs.filter((l) => l.msg === "audit: session refused").length).toBe(refusals.length);
  });

  test("under policy any (the default), the seed's behaviour is unchanged: any command, any env, any working_dir", async () => {
    station = await startLoggedStation({});
    const reply = await station.call("POST", "/sessions", {
      server_command: fixture("echo.mjs"),
      working_dir: "/",
      env_vars: { NODE_OPTIONS: "--no-warnings" },
    });
    expect(reply.status).toBe(200);
  });
});
