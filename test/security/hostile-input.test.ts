/**
 * Hostile input, each case a test: a clear 4xx (or the server's own failure
 * for the endless line), and nothing harmed: the station answers, other
 * sessions still work, no process is started that should not be.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exceedsDepth } from "../../src/security/json-depth.ts";
import { FIXTURES_DIR, fixture } from "../setup/paths.ts";
import { KEY_A, KEY_B, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

let station: LoggedStation;
let witness: string;
let scratch: string;
beforeAll(async () => {
  scratch = realpathSync(mkdtempSync(join(tmpdir(), "mcp-station-hostile-")));
  station = await startLoggedStation({
    ...KEYS_ENV,
    MCP_STATION_MAX_BODY_BYTES: String(64 * 1024),
    MCP_STATION_MAX_MESSAGE_BYTES: String(256 * 1024),
    MCP_STATION_MAX_SESSIONS: "6",
  });
  witness = (await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, station.as(KEY_A))).body.session_id;
});
afterAll(async () => {
  await station.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const asA = () => station.as(KEY_A);
/** The station still serves, and the witness session still answers. */
async function nothingHarmed() {
  expect((await station.call("GET", "/healthz")).status).toBe(200);
  const echo = await station.call(
    "POST",
    "/mcp/request",
    { session_id: witness, method: "tools/call", params: { name: "echo", arguments: { text: "ok" } } },
    asA(),
  );
  expect(echo.body.data.content[0].text).toBe("ok");
}
const expect4xx = (status: number) => expect(status >= 400 && status < 500).toBe(true);

test("malformed JSON is 400", async () => {
  for (const raw of ["{not json", '{"server_command": "x"', "", "null", "[]", '"string"']) {
    const reply = await station.call("POST", "/sessions", raw, asA());
    expect4xx(reply.status);
    expect(reply.body.success).toBe(false);
  }
  await nothingHarmed();
});

test("a body over MCP_STATION_MAX_BODY_BYTES is refused with 413", async () => {
  const reply = await station.call(
    "POST",
    "/mcp/request",
    { session_id: witness, method: "tools/call", params: { name: "echo", arguments: { text: "x".repeat(200 * 1024) } } },
    asA(),
  );
  expect(reply.status).toBe(413);
  await nothingHarmed();
});

test("JSON nested 10,000 deep is refused with a 4xx, in the body and in params", async () => {
  const deep = `${"[".repeat(10_000)}${"]".repeat(10_000)}`;
  const inCreate = await station.call("POST", "/sessions", `{"server_command": ${deep}}`, asA());
  expect(inCreate.status).toBe(400);
  const inParams = await station.call(
    "POST",
    "/mcp/request",
    `{"session_id": "${witness}", "method": "tools/call", "params": {"a": ${deep}}}`,
    asA(),
  );
  expect(inParams.status).toBe(400);
  expect(inParams.body.error.message).toContain("deeper");
  expect(exceedsDepth({ a: { b: { c: 1 } } }, 64)).toBe(false);
  await nothingHarmed();
});

test("the OpenAPI document keeps its JSON request bodies, so schema-driven fuzzing can generate them", async () => {
  const doc = (await station.call("GET", "/openapi/json", undefined, asA())).body;
  for (const [path, method] of [
    ["/sessions", "post"],
    ["/mcp/request", "post"],
    ["/sessions/{session_id}/roots", "put"],
  ]) {
    expect(doc.paths[path][method].requestBody.content["application/json"].schema.type).toBe("object");
  }
});

test("invalid UTF-8 in a body is a 4xx and runs nothing", async () => {
  const bytes = new Uint8Array([
    ...new TextEncoder().encode('{"server_command": "'),
    0xff,
    0xfe,
    0xc3,
    0x28,
    ...new TextEncoder().encode('"}'),
  ]);
  const res = await fetch(`${station.url}/sessions`, {
    method: "POST",
    headers: { ...asA(), "content-type": "application/json" },
    body: bytes,
  });
  expect4xx(res.status);
  const before = station.manager.activeCount;
  expect(before).toBe(1);
  await nothingHarmed();
});

test("unknown fields and wrong types are 422", async () => {
  for (const body of [
    { server_command: fixture("echo.mjs"), shell: true },
    { server_command: fixture("echo.mjs"), server_args: "--x" },
    { server_command: fixture("echo.mjs"), env_vars: { A: 1 } },
    { server_command: fixture("echo.mjs"), server_args: [1, 2] },
    { server: 42 },
  ]) {
    expect((await station.call("POST", "/sessions", body, asA())).status).toBe(422);
  }
  expect((await station.call("POST", "/mcp/request", { session_id: witness, method: "tools/list", params: [] }, asA())).status).toBe(422);
  expect((await station.call("POST", "/mcp/request", { session_id: witness, method: 7 }, asA())).status).toBe(422);
  await nothingHarmed();
});

test("path traversal in working_dir does not escape the allowed roots (policy allowlist)", async () => {
  const guarded = await startLoggedStation({
    MCP_STATION_COMMAND_POLICY: "allowlist",
    MCP_STATION_ALLOWED_COMMANDS: `${FIXTURES_DIR}/`,
    MCP_STATION_ALLOWED_ROOTS: scratch,
  });
  try {
    for (const dir of [`${scratch}/../..`, `${scratch}/../../etc`, "/etc", `${scratch}/./../${scratch.split("/").pop()}-other`]) {
      const reply = await guarded.call("POST", "/sessions", { server_command: fixture("echo.mjs"), working_dir: dir });
      expect4xx(reply.status);
    }
    expect(guarded.manager.activeCount).toBe(0);
  } finally {
    await guarded.stop();
  }
});

test("shell metacharacters in server_command and server_args are literal: no shell ever runs them", async () => {
  const marker = join(scratch, "pwned");
  const asCommand = await station.call("POST", "/sessions", { server_type: "command", server_command: `true; touch ${marker}` }, asA());
  expect(asCommand.status).toBe(400);
  const asArgs = await station.call(
    "POST",
    "/sessions",
    {
      server_command: fixture("echo.mjs"),
      server_args: [`$(touch ${marker})`, `\`touch ${marker}\``, `; touch ${marker}`, `| touch ${marker}`, `&& touch ${marker}`],
    },
    asA(),
  );
  expect(asArgs.status).toBe(200);
  expect(asArgs.body.server_args[0]).toBe(`$(touch ${marker})`);
  expect(existsSync(marker)).toBe(false);
  await station.call("DELETE", `/sessions/${asArgs.body.session_id}`, undefined, asA());
});

test("a forged JSON-RPC id cannot catch another caller's response", async () => {
  // Both callers claim the same id; B also tries A's session. Each gets only its own answer.
  const call = (key: string, session_id: string, text: string) =>
    station.call(
      "POST",
      "/mcp/request",
      { jsonrpc: "2.0", id: 1, session_id, method: "tools/call", params: { name: "echo", arguments: { text } } },
      station.as(key),
    );
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => call(KEY_A, witness, `a-${i}`)));
  for (const [i, reply] of answers.entries()) expect(reply.body.data.content[0].text).toBe(`a-${i}`);
  const stolen = await call(KEY_B, witness, "b");
  expect(stolen.status).toBe(404);
  await nothingHarmed();
});

test("a flood of sessions past the limit: the cap holds, the rest get 503, nothing extra runs", async () => {
  const replies = await Promise.all(
    Array.from({ length: 20 }, () => station.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, station.as(KEY_B))),
  );
  const ok = replies.filter((r) => r.status === 200);
  expect(ok.length).toBe(5);
  expect(replies.filter((r) => r.status === 503).length).toBe(15);
  expect(station.manager.activeCount).toBe(6);
  for (const reply of ok) await station.call("DELETE", `/sessions/${reply.body.session_id}`, undefined, station.as(KEY_B));
  await nothingHarmed();
});

test("a server that writes an endless line fails its own request and session, never the station", async () => {
  const big = (await station.call("POST", "/sessions", { server_command: fixture("big.mjs") }, asA())).body.session_id;
  const reply = await station.call(
    "POST",
    "/mcp/request",
    { session_id: big, method: "tools/call", params: { name: "huge_line", arguments: {} }, timeout_ms: 3000 },
    asA(),
  );
  expect([502, 504]).toContain(reply.status);
  await nothingHarmed();
  await station.call("DELETE", `/sessions/${big}`, undefined, asA());
});
