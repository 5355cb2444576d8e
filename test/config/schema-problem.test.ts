/**
 * Problems in the registry file and MCP_STATION_WARM_POOL are found by their
 * TypeBox schemas and told in the operator's words: which entry, which field,
 * and what it must be.
 */
import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { ConfigError } from "../../src/config/config-error.ts";
import { firstProblem } from "../../src/config/schema-problem.ts";
import { parseRegistry } from "../../src/registry/registry.ts";
import { parseWarmPool } from "../../src/sessions/warm-pool.ts";

describe("firstProblem", () => {
  const schema = Type.Object(
    {
      size: Type.Integer({ minimum: 1, maximum: 64 }),
      tags: Type.Optional(Type.Array(Type.String())),
      env: Type.Optional(Type.Record(Type.String(), Type.String())),
      mode: Type.Optional(Type.Union([Type.Literal("a"), Type.Literal("b"), Type.Literal("c")])),
      nested: Type.Optional(Type.Object({ on: Type.Boolean() })),
    },
    { additionalProperties: false },
  );

  test.each([
    [{ size: 1 }, undefined],
    [{}, "size must be a whole number from 1 to 64"],
    [{ size: 65 }, "size must be a whole number from 1 to 64"],
    [{ size: 1, tags: ["x", 2] }, "tags must be an array of strings"],
    [{ size: 1, env: { A: 1 } }, "env must be an object of strings"],
    [{ size: 1, mode: "d" }, "mode must be a, b or c"],
    [{ size: 1, nested: { on: "yes" } }, "nested.on must be true or false"],
    [{ size: 1, other: true }, 'has an unknown field "other"'],
    ["x", "must be an object"],
  ])("%j: %s", (value, problem) => {
    expect(firstProblem(schema, value)).toBe(problem);
  });

  test("an entry in a list is named by its index", () => {
    expect(firstProblem(Type.Array(schema), [{ size: 1 }, { size: 1, nested: {} }])).toBe("[1].nested.on must be true or false");
  });
});

describe("the settings parsed with schemas name the entry and the field", () => {
  const registryProblem = (entry: unknown) => {
    try {
      parseRegistry({ mcpServers: { files: entry } }, "servers.json");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
  };

  test.each([
    [{ command: " " }, 'server "files": command must be a non-empty string'],
    [{ command: "x", env: { K: 1 } }, 'server "files": env must be an object of strings or objects'],
    [{ command: "x", station: { allow_args: "yes" } }, 'server "files": station.allow_args must be true or false'],
    [
      { command: "x", station: { restart_policy: "sometimes" } },
      'server "files": station.restart_policy must be never, on-failure or always',
    ],
    [{ command: "x", station: { max_restarts: -1 } }, 'server "files": station.max_restarts must be a whole number of at least 0'],
  ])("registry %j", (entry, problem) => {
    expect(registryProblem(entry)).toBe(`MCP_STATION_SERVERS_FILE servers.json: ${problem}`);
  });

  test("fields the station does not read are left alone: the file is shared with other tools", () => {
    const entries = parseRegistry({ mcpServers: { files: { command: "x", type: "stdio", station: { allow_env: ["A"], note: 1 } } } }, "s");
    expect(entries.get("files")).toMatchObject({ command: "x", allowEnv: ["A"] });
  });

  test.each([
    ['[{"server_command":"/x.mjs","size":1,"server_type":"ruby"}]', "[0].server_type must be python, node or command"],
    [
      '[{"server":"files","size":1},{"server_command":"","size":1}]',
      "[1].server_command must be a non-empty string of at most 4096 characters",
    ],
    ['[{"server_command":"/x.mjs","size":1,"server_args":["a",1]}]', "[0].server_args must be an array of at most 1024 strings"],
  ])("warm pool %s", (raw, problem) => {
    expect(() => parseWarmPool(raw)).toThrow(`MCP_STATION_WARM_POOL ${problem}`);
  });
});
