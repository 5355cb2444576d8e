/**
 * Remote servers (a registry entry with a `url`) against real Streamable
 * HTTP servers, each its own process: the TypeScript SDK v1 (stateful, the
 * 2025 era) and v2 (stateless 2026-07-28), the Python SDK 2.x and 1.x, and
 * server-everything. Each is a session of its own through the seed's REST
 * API: created by name, listed, called, stopped.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestStation, startStation } from "../support/station.ts";
import { type RemoteKind, type RemoteServer, startRemote, stopAllRemotes } from "../support/remote-server.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-remote-"));
let station: TestStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
  await stopAllRemotes();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A station whose registry holds `servers` (name -> entry). */
export async function stationWith(servers: Record<string, unknown>, env: Record<string, string> = {}): Promise<TestStation> {
  const file = join(dir, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ mcpServers: servers }));
  return startStation({ MCP_STATION_SERVERS_FILE: file, ...env });
}

const text = (body: any) => body.data.content[0].text as string;

const cases: [RemoteKind, string, string][] = [
  ["sdk-v1", "legacy", "echo"],
  ["sdk-v2", "modern", "echo"],
  ["python-mcp2", "modern", "echo"],
  ["python-mcp1", "legacy", "echo"],
  ["everything", "legacy", "echo"],
];

describe("a remote server is a session of its own", () => {
  test.each(cases)("%s: created by name, lists and calls its tools, stops (era %s)", async (kind, era, tool) => {
    const remote: RemoteServer = await startRemote(kind);
    station = await stationWith({ far: { url: remote.url } });
    const created = await station.create({ server: "far" });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    expect(created.body).toMatchObject({ status: "running", server: "far", pid: null, server_command: remote.url, era });
    const tools = await station.mcp(id, "tools/list", {});
    expect(tools.status).toBe(200);
    expect(tools.body.data.tools.map((t: any) => t.name)).toContain(tool);
    const args = kind === "everything" ? { message: "hi there" } : { text: "hi there" };
    const called = await station.mcp(id, "tools/call", { name: tool, arguments: args });
    expect(called.status).toBe(200);
    expect(text(called.body)).toContain("hi there");
    const stopped = await station.call("DELETE", `/sessions/${id}`);
    expect(stopped.status).toBe(200);
  });
});
