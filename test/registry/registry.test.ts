/**
 * The server registry: Claude Desktop / Cursor `mcpServers` files, listed at
 * GET /servers and started with POST /sessions {"server": name}; under the
 * registry policy nothing else runs.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { parseRegistry } from "../../src/registry/registry.ts";
import { fixture } from "../setup/paths.ts";
import { KEY_A, type LoggedStation, startLoggedStation } from "../security/support.ts";

let dir: string;
let serversFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mcp-station-registry-"));
  serversFile = join(dir, "servers.json");
  writeFileSync(
    serversFile,
    JSON.stringify({
      mcpServers: {
        echo: { command: fixture("echo.mjs"), args: [], env: { SECRET_TOKEN: "from-the-file", GREETING: "hi" } },
        "echo-open": { command: fixture("echo.mjs"), args: ["--flag"], cwd: dir, station: { allow_env: ["GREETING"], allow_args: true } },
        remote: { url: "https://example.test/mcp" },
      },
    }),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let station: LoggedStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

const toolText = async (s: LoggedStation, id: string, name: string, args: Record<string, unknown> = {}) =>
  (await s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name, arguments: args } })).body.data.content[0]
    .text as string;

describe("the registry file", () => {
  test("reads the mcpServers format, takes url entries as remote servers, skips entries with neither command nor url, and refuses malformed ones", () => {
    const warnings: string[] = [];
    const entries = parseRegistry(
      {
        mcpServers: {
          a: { command: "npx", args: ["-y", "pkg"], env: { K: "v" } },
          r: { url: "http://x" },
          s: { url: "http://x/sse", type: "sse" },
          n: { note: "no command" },
        },
      },
      "t",
      (w) => warnings.push(w),
    );
    expect([...entries.keys()]).toEqual(["a", "r", "s"]);
    expect(entries.get("s")).toMatchObject({ remote: { url: "http://x/sse", transport: "sse" } });
    expect(entries.get("r")).toMatchObject({ remote: { url: "http://x", headers: {} }, restartPolicy: "on-failure" });
    expect(() => parseRegistry({ mcpServers: { r: { url: "ftp://x" } } }, "t")).toThrow('server "r"');
    expect(() => parseRegistry({ mcpServers: { r: { url: "https://me:pw@x/mcp" } } }, "t")).toThrow("give the credential in headers");
    expect(entries.get("a")).toMatchObject({ command: "npx", args: ["-y", "pkg"], env: { K: "v" }, allowEnv: [], allowArgs: false });
    expect(warnings[0]).toContain('"n"');
    expect(() => parseRegistry({ servers: {} }, "t")).toThrow(ConfigError);
    expect(() => parseRegistry({ mcpServers: { a: { command: "x", args: "not-a-list" } } }, "t")).toThrow("args must be");
    expect(() => parseRegistry({ mcpServers: { "bad name!": { command: "x" } } }, "t")).toThrow("server name");
    expect(() => loadConfig({ MCP_STATION_SERVERS_FILE: join(dir, "missing.json") })).toThrow(ConfigError);
  });

  test("a remote entry's oauth: an id and a secret, each clear or a tenant's secret; anything else refuses the file", () => {
    const oauth = { client_id: "station", client_secret: { secret: "far-client-secret" }, scope: "mcp:tools mcp:read" };
    const entries = parseRegistry({ mcpServers: { far: { url: "https://x/mcp", oauth } } }, "t");
    expect(entries.get("far")).toMatchObject({ remote: { url: "https://x/mcp", oauth } });
    const refused = (value: unknown) => () => parseRegistry({ mcpServers: { far: { url: "https://x/mcp", oauth: value } } }, "t");
    expect(refused({ client_id: "station" })).toThrow('server "far"');
    // A misspelt field would change whom the secret goes to: refused, not ignored.
    expect(refused({ ...oauth, authorisation_server: "https://evil" })).toThrow('server "far"');
    expect(refused({ ...oauth, scope: "two  spaces" })).toThrow('server "far"');
    expect(refused({ ...oauth, authorization_server: "ftp://as" })).toThrow('server "far"');
  });

  test("a registry file makes the policy `registry` unless told otherwise", () => {
    expect(loadConfig({}).commandPolicy).toBe("any");
    expect(loadConfig({ MCP_STATION_SERVERS_FILE: serversFile }).commandPolicy).toBe("registry");
    expect(loadConfig({ MCP_STATION_SERVERS_FILE: serversFile, MCP_STATION_COMMAND_POLICY: "any" }).commandPolicy).toBe("any");
  });
});

describe("GET /servers and POST /sessions {server}", () => {
  test("lists the entries without their env values", async () => {
    station = await startLoggedStation({ MCP_STATION_SERVERS_FILE: serversFile });
    const list = await station.call("GET", "/servers");
    expect(list.status).toBe(200);
    expect(list.body.policy).toBe("registry");
    expect(list.body.servers.map((s: any) => s.name)).toEqual(["echo", "echo-open", "remote"]);
    expect(list.body.servers[0].env_keys).toEqual(["SECRET_TOKEN", "GREETING"]);
    expect(JSON.stringify(list.body)).not.toContain("from-the-file");
  });

  test("starts a registered server with its env; the session says which entry it came from", async () => {
    station = await startLoggedStation({ MCP_STATION_SERVERS_FILE: serversFile });
    const created = await station.call("POST", "/sessions", { server: "echo" });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ server: "echo", server_command: fixture("echo.mjs"), env_keys: ["SECRET_TOKEN", "GREETING"] });
    expect(await toolText(station, created.body.session_id, "env", { name: "SECRET_TOKEN" })).toContain("from-the-file");
  });

  test("the caller adds only what the entry allows: listed env names, extra args when allowed", async () => {
    station = await startLoggedStation({ MCP_STATION_SERVERS_FILE: serversFile });
    const s = station;
    expect((await s.call("POST", "/sessions", { server: "echo", env_vars: { GREETING: "x" } })).status).toBe(403);
    expect((await s.call("POST", "/sessions", { server: "echo", server_args: ["--more"] })).status).toBe(403);
    expect((await s.call("POST", "/sessions", { server: "echo-open", env_vars: { OTHER: "x" } })).status).toBe(403);
    expect((await s.call("POST", "/sessions", { server: "echo-open", env_vars: { LD_PRELOAD: "/tmp/x.so" } })).status).toBe(403);
    const ok = await s.call("POST", "/sessions", { server: "echo-open", env_vars: { GREETING: "hello" }, server_args: ["--more"] });
    expect(ok.status).toBe(200);
    expect(ok.body.server_args).toEqual(["--flag", "--more"]);
    expect(await toolText(s, ok.body.session_id, "env", { name: "GREETING" })).toContain("hello");
    expect(await toolText(s, ok.body.session_id, "cwd")).toContain(dir);
  });

  test("an unknown name is 400; server with server_command is 400", async () => {
    station = await startLoggedStation({ MCP_STATION_SERVERS_FILE: serversFile });
    expect((await station.call("POST", "/sessions", { server: "nope" })).status).toBe(400);
    expect((await station.call("POST", "/sessions", { server: "echo", server_command: "/bin/sh" })).status).toBe(400);
    expect(station.manager.activeCount).toBe(0);
  });

  test("the registry policy refuses an unregistered command with 403 and starts nothing", async () => {
    station = await startLoggedStation({ MCP_STATION_SERVERS_FILE: serversFile, ...{ MCP_STATION_API_KEYS: KEY_A } });
    const refused = await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, station.as(KEY_A));
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain("registry");
    expect(station.manager.activeCount).toBe(0);
    expect(station.logs.find((l) => l.msg === "audit: session refused")).toMatchObject({ tenant: "default", command: fixture("echo.mjs") });
  });
});
