/**
 * The seed's API, field for field: POST/GET/DELETE /sessions and POST /mcp/request,
 * driven over real HTTP against real servers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PYTHON_MCP1, fixture } from "../setup/paths.ts";
import { isRunning, waitGone } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;

beforeAll(async () => {
  // The seed's python example runs a .py script with the configured interpreter.
  station = await startStation({ MCP_STATION_PYTHON: PYTHON_MCP1 });
});
afterAll(() => station.stop());

describe("the seed's example calls", () => {
  test("create a python session, list its tools, delete it", async () => {
    const created = await station.create({ server_type: "python", server_command: fixture("python/mcp1_server.py") });
    expect(created.status).toBe(200);
    const info = created.body;
    expect(info).toMatchObject({ server_type: "python", status: "running" });
    expect(typeof info.session_id).toBe("string");
    expect(typeof info.pid).toBe("number");
    expect(Number.isNaN(Date.parse(info.created_at))).toBe(false);

    const listed = await station.mcp(info.session_id, "tools/list", {});
    expect(listed.status).toBe(200);
    expect(listed.body.success).toBe(true);
    expect(listed.body.data.tools.map((t: { name: string }) => t.name).sort()).toEqual(["add", "echo"]);

    const deleted = await station.call("DELETE", `/sessions/${info.session_id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.status).toBe("exited");
    expect(await waitGone(info.pid)).toBe(true);
    expect((await station.call("GET", `/sessions/${info.session_id}`)).status).toBe(404);
  });

  test("the full create body of the seed is accepted: server_args, env_vars, working_dir", async () => {
    const dir = fixture("lib");
    const created = await station.create({
      server_type: "node",
      server_command: fixture("echo.mjs"),
      server_args: ["--port", "8080"],
      env_vars: { API_KEY: "secret" },
      working_dir: dir,
    });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    expect(created.body.env_keys).toEqual(["API_KEY"]);
    expect(JSON.stringify(created.body)).not.toContain("secret");

    const env = await station.mcp(id, "tools/call", { name: "env", arguments: { name: "API_KEY" } });
    expect(env.body.data.structuredContent.value).toBe("secret");
    const cwd = await station.mcp(id, "tools/call", { name: "cwd", arguments: {} });
    expect(cwd.body.data.content[0].text).toBe(dir);
    await station.call("DELETE", `/sessions/${id}`);
  });
});

describe("sessions", () => {
  test("GET /sessions lists sessions and GET /sessions/{id} shows one with its handshake", async () => {
    const { body } = await station.create({ server_command: fixture("echo.mjs") });
    const list = await station.call("GET", "/sessions");
    expect(list.status).toBe(200);
    expect(list.body.sessions.map((s: { session_id: string }) => s.session_id)).toContain(body.session_id);
    const one = await station.call("GET", `/sessions/${body.session_id}`);
    expect(one.body).toMatchObject({
      session_id: body.session_id,
      server_type: "node", // inferred from .mjs
      status: "running",
      era: "legacy",
      protocol_version: "2025-11-25",
      server_info: { name: "echo", version: "1.0.0" },
      capabilities: { tools: {} },
    });
    await station.call("DELETE", `/sessions/${body.session_id}`);
  });

  test("unknown session: 404 on every route, in the error shape", async () => {
    for (const [method, path] of [
      ["GET", "/sessions/nope"],
      ["DELETE", "/sessions/nope"],
      ["GET", "/sessions/nope/logs"],
      ["GET", "/sessions/nope/events"],
    ] as const) {
      const res = await station.call(method, path);
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ success: false, error: { code: -32001, data: { type: "session_not_found" } } });
    }
    const res = await station.mcp("nope", "tools/list", {});
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });

  test("a station's own secrets never reach a child's environment", async () => {
    process.env.MCP_STATION_TEST_SECRET = "do-not-leak";
    try {
      const { body } = await station.create({ server_command: fixture("echo.mjs") });
      const res = await station.mcp(body.session_id, "tools/call", { name: "env", arguments: { name: "MCP_STATION_TEST_SECRET" } });
      expect(res.body.data.structuredContent.value).toBeNull();
      const path = await station.mcp(body.session_id, "tools/call", { name: "env", arguments: { name: "PATH" } });
      expect(path.body.data.structuredContent.value).toBe(process.env.PATH);
      await station.call("DELETE", `/sessions/${body.session_id}`);
    } finally {
      delete process.env.MCP_STATION_TEST_SECRET;
    }
  });
});

describe("bad input gets a clear 4xx and harms nothing", () => {
  test("malformed JSON is 400", async () => {
    const res = await station.call("POST", "/sessions", "{not json");
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, error: { data: { type: "bad_request" } } });
  });

  test("missing fields, wrong types and unknown fields are 422", async () => {
    for (const body of [{}, { server_command: 42 }, { server_command: "x", server_type: "ruby" }, { server_command: "x", bogus: 1 }]) {
      const res = await station.create(body);
      expect(res.status).toBe(422);
      expect(res.body.success).toBe(false);
    }
    const res = await station.call("POST", "/mcp/request", { session_id: "x" });
    expect(res.status).toBe(422);
  });

  test("a working_dir that does not exist is 400, a command that does not exist is 400", async () => {
    const dir = await station.create({ server_command: fixture("echo.mjs"), working_dir: "/does/not/exist" });
    expect(dir.status).toBe(400);
    expect(dir.body.error.message).toContain("/does/not/exist");
    const cmd = await station.create({ server_type: "command", server_command: "no-such-mcp-server-binary" });
    expect(cmd.status).toBe(400);
    expect(cmd.body.error.data.type).toBe("spawn_failed");
  });

  test("shell metacharacters in the command and its args stay literal", async () => {
    const res = await station.create({ server_type: "command", server_command: "echo; touch /tmp/pwned-by-station" });
    expect(res.status).toBe(400);
    const { body } = await station.create({
      server_command: fixture("echo.mjs"),
      server_args: ["$(touch /tmp/pwned-by-station)", "`id`", "; rm -rf /"],
    });
    expect(body.status).toBe("running");
    expect(await Bun.file("/tmp/pwned-by-station").exists()).toBe(false);
    await station.call("DELETE", `/sessions/${body.session_id}`);
  });

  test("an unknown route is a 404 in the error shape", async () => {
    const res = await station.call("GET", "/nope");
    expect(res.status).toBe(404);
    expect(res.body.success).toBe(false);
  });
});

describe("the OpenAPI document", () => {
  test("is served as JSON and describes every route with its schemas", async () => {
    const res = await station.call("GET", "/openapi/json");
    expect(res.status).toBe(200);
    const paths = res.body.paths;
    for (const path of ["/sessions", "/sessions/{session_id}", "/mcp/request", "/healthz"]) expect(paths[path]).toBeDefined();
    expect(paths["/sessions"].post.requestBody).toBeDefined();
    expect(paths["/mcp/request"].post.responses["504"]).toBeDefined();
  });
});

test("health endpoints answer", async () => {
  expect((await station.call("GET", "/healthz")).body).toEqual({ status: "ok" });
  expect((await station.call("GET", "/readyz")).status).toBe(200);
  expect(isRunning(process.pid)).toBe(true);
});
