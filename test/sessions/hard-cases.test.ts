/**
 * Misbehaving servers. Each case ends with a clear answer within its deadline,
 * the station still serving others, and no process of the case left running.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { eventually, groupMembers, isRunning, waitGone } from "../support/processes.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
let witness: string; // a healthy session that must keep working through every case

beforeAll(async () => {
  station = await startStation({ MCP_STATION_MAX_MESSAGE_BYTES: String(16 * 1024 * 1024) });
  witness = (await station.create({ server_command: fixture("echo.mjs") })).body.session_id;
});
afterAll(() => station.stop());

async function witnessStillServes() {
  const res = await station.mcp(witness, "tools/call", { name: "echo", arguments: { text: "still here" } });
  if (!res.body.data) console.log("WITNESS", JSON.stringify(res.body).slice(0, 500));
  expect(res.body.data.content[0].text).toBe("still here");
}

async function open(command: string, extra: Record<string, unknown> = {}) {
  const res = await station.create({ server_command: fixture(command), ...extra });
  expect(res.status).toBe(200);
  return res.body as { session_id: string; pid: number };
}

describe("a server that dies", () => {
  test("a crash mid-request fails the pending request at once with 502, its exit code and stderr", async () => {
    const { session_id, pid } = await open("crash.mjs");
    const slow = station.mcp(session_id, "tools/call", { name: "slow", arguments: { ms: 60_000 } });
    const crash = await station.mcp(session_id, "tools/call", { name: "crash", arguments: {} }, { timeout_ms: 60_000 });
    expect(crash.status).toBe(502);
    expect(crash.body.error.data).toMatchObject({ type: "server_exited", exit_code: 3 });
    expect(crash.body.error.data.stderr_tail).toContain("about to crash");
    // The other pending request fails too, long before its 60 s deadline.
    expect((await slow).status).toBe(502);
    const info = (await station.call("GET", `/sessions/${session_id}`)).body;
    expect(info).toMatchObject({ status: "exited", exit_code: 3, crashed: true });
    // A request to the dead session is refused clearly.
    expect((await station.mcp(session_id, "tools/list", {})).status).toBe(409);
    expect(isRunning(pid)).toBe(false);
    await witnessStillServes();
  });

  test("a server that exits at once fails the create with its stderr, and nothing is left", async () => {
    const res = await station.create({ server_command: fixture("exit-now.mjs") });
    expect(res.status).toBe(502);
    expect(res.body.error.data).toMatchObject({ type: "start_failed", exit_code: 1 });
    expect(res.body.error.data.stderr).toContain("fatal: config missing");
    expect(station.manager.list().some((s) => s.spec.server_command.endsWith("exit-now.mjs"))).toBe(false);
  });

  test("a server that never answers initialize fails the create within the start deadline, and its process is gone", async () => {
    const local = await startStation({ MCP_STATION_START_TIMEOUT_MS: "1500", MCP_STATION_PROBE_TIMEOUT_MS: "300" });
    try {
      const res = await local.create({ server_command: fixture("no-init.mjs") });
      expect(res.status).toBe(502);
      expect(res.body.error.data.type).toBe("start_failed");
      expect(res.body.error.message).toContain("no answer");
      expect(local.manager.list()).toHaveLength(0);
    } finally {
      await local.stop();
    }
  });
});

describe("a server that misbehaves on its pipes", () => {
  test("an 8 MiB result with multi-byte characters arrives whole", async () => {
    const { session_id } = await open("big.mjs");
    const res = await station.mcp(session_id, "tools/call", { name: "big", arguments: { bytes: 8 * 1024 * 1024 } });
    expect(res.status).toBe(200);
    const text: string = res.body.data.content[0].text;
    expect(Buffer.byteLength(text)).toBe(8 * 1024 * 1024);
    expect(text.startsWith("한a한a")).toBe(true);
    await station.call("DELETE", `/sessions/${session_id}`);
  });

  test("a result over the message cap fails that request clearly; the session keeps serving", async () => {
    const local = await startStation({ MCP_STATION_MAX_MESSAGE_BYTES: String(1024 * 1024) });
    try {
      const { body } = await local.create({ server_command: fixture("big.mjs") });
      const res = await local.mcp(body.session_id, "tools/call", { name: "big", arguments: { bytes: 2 * 1024 * 1024 } });
      expect(res.status).toBe(502);
      expect(res.body.error.data.type).toBe("message_too_large");
      const after = await local.mcp(body.session_id, "tools/call", { name: "echo", arguments: { text: "ok" } });
      expect(after.body.data.content[0].text).toBe("ok");
    } finally {
      await local.stop();
    }
  });

  test("an endless line on stdout ends in a timeout, not in unbounded memory", async () => {
    const { session_id } = await open("big.mjs");
    const res = await station.mcp(session_id, "tools/call", { name: "huge_line", arguments: {} }, { timeout_ms: 1500 });
    expect(res.status).toBe(504);
    const session = station.manager.get(session_id) as unknown as { connection: { peer: { decoder: { bufferedBytes: number } } } };
    expect(session.connection.peer.decoder.bufferedBytes).toBe(0);
    await station.call("DELETE", `/sessions/${session_id}`);
    await witnessStillServes();
  });

  test("2 MiB on stderr never blocks the server, and the log stays bounded", async () => {
    const { session_id } = await open("stderr-flood.mjs");
    for (let i = 0; i < 3; i++) {
      const res = await station.mcp(session_id, "tools/call", { name: "echo", arguments: { text: `n${i}` } });
      expect(res.body.data.content[0].text).toBe(`n${i}`);
    }
    const logs = await station.call("GET", `/sessions/${session_id}/logs?limit=5`);
    expect(logs.body.lines.length).toBeLessThanOrEqual(5);
    expect(logs.body.dropped).toBeGreaterThan(0);
    await station.call("DELETE", `/sessions/${session_id}`);
  });

  test("a banner and a non-JSON-RPC line on stdout are skipped", async () => {
    const { session_id } = await open("banner.mjs");
    const res = await station.mcp(session_id, "tools/call", { name: "echo", arguments: { text: "after banner" } });
    expect(res.body.data.content[0].text).toBe("after banner");
    await station.call("DELETE", `/sessions/${session_id}`);
  });
});

describe("stopping", () => {
  test("a server that ignores SIGTERM and stdin's end is killed by SIGKILL on delete", async () => {
    const { session_id, pid } = await open("ignore-sigterm.mjs");
    const res = await station.call("DELETE", `/sessions/${session_id}`);
    expect(res.status).toBe(200);
    expect(res.body.exit_signal).toBe("SIGKILL");
    expect(await waitGone(pid)).toBe(true);
  });

  test("deleting a session ends its grandchildren too", async () => {
    const { session_id, pid } = await open("grandchild.mjs");
    const res = await station.mcp(session_id, "tools/call", { name: "grandchild_pid", arguments: {} });
    const grandchild = Number(res.body.data.content[0].text);
    expect(isRunning(grandchild)).toBe(true);
    expect(groupMembers(pid)).toContain(grandchild);
    await station.call("DELETE", `/sessions/${session_id}`);
    expect(await waitGone(grandchild)).toBe(true);
    expect(groupMembers(pid)).toEqual([]);
  });

  test("a crashed server's grandchildren are cleaned up too", async () => {
    const { session_id, pid } = await open("grandchild.mjs");
    const res = await station.mcp(session_id, "tools/call", { name: "grandchild_pid", arguments: {} });
    const grandchild = Number(res.body.data.content[0].text);
    process.kill(pid, "SIGKILL");
    expect(await waitGone(grandchild)).toBe(true);
    const info = await eventually(async () => {
      const body = (await station.call("GET", `/sessions/${session_id}`)).body;
      return body.status === "exited" ? body : undefined;
    });
    expect(info).toMatchObject({ crashed: true, exit_signal: "SIGKILL" });
  });
});

describe("requests the server sends to the client", () => {
  test("ping and roots/list are answered; sampling and elicitation get an error at once", async () => {
    const roots = [{ uri: "file:///data/project", name: "project" }];
    const { session_id } = await open("client-requests.mjs", { roots });
    const call = (name: string) => station.mcp(session_id, "tools/call", { name, arguments: { timeoutMs: 5000 } });
    expect((await call("ping_seen")).body.data.content[0].text).toBe("true");
    expect(JSON.parse((await call("ask_roots")).body.data.content[0].text)).toEqual(roots);
    const sampling = (await call("ask_sampling")).body.data;
    expect(sampling.isError).toBe(true);
    expect(sampling.content[0].text).toContain("-32601");
    const elicitation = (await call("ask_elicitation")).body.data;
    expect(elicitation.isError).toBe(true);
    expect(elicitation.content[0].text).not.toBe("timeout");

    // Roots can change; the server is told and sees the new ones.
    const next = [{ uri: "file:///data/other" }];
    expect((await station.call("PUT", `/sessions/${session_id}/roots`, { roots: next })).status).toBe(200);
    expect(JSON.parse((await call("ask_roots")).body.data.content[0].text)).toEqual(next);
    await station.call("DELETE", `/sessions/${session_id}`);
  });
});
