/**
 * A 2026-07-28 remote server that answers a request with an SSE stream and
 * closes it without the answer: that revision has no resumption and no other
 * stream, so no answer can come any more. The caller is told at once (502
 * remote_refused, naming what happened) instead of waiting for its deadline,
 * and the session goes on serving its other requests.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestStation, startStation } from "../support/station.ts";

const SERVER_INFO = { "io.modelcontextprotocol/serverInfo": { name: "hang-up", version: "1.0.0" } };
const reply = (id: unknown, result: Record<string, unknown>) =>
  Response.json({ jsonrpc: "2.0", id, result: { resultType: "complete", ...result, _meta: SERVER_INFO } });

/** One behaviour: tools/call hang_up opens an SSE answer, sends a log message, and closes it; echo answers as JSON. */
const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    if (request.method !== "POST") return new Response(null, { status: 405 });
    const message = (await request.json()) as { id: unknown; method: string; params?: { name?: string; arguments?: { text?: string } } };
    switch (message.method) {
      case "server/discover":
        return reply(message.id, { supportedVersions: ["2026-07-28"], capabilities: { tools: {} }, ttlMs: 0, cacheScope: "private" });
      case "tools/list":
        return reply(message.id, {
          tools: [
            { name: "hang_up", inputSchema: { type: "object" } },
            { name: "echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } },
          ],
        });
      case "tools/call": {
        if (message.params?.name === "echo")
          return reply(message.id, { content: [{ type: "text", text: message.params.arguments?.text ?? "" }] });
        const note = { jsonrpc: "2.0", method: "notifications/message", params: { level: "info", data: "hanging up" } };
        return new Response(`event: message\ndata: ${JSON.stringify(note)}\n\n`, { headers: { "content-type": "text/event-stream" } });
      }
      default:
        return Response.json({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
    }
  },
});

const dir = mkdtempSync(join(tmpdir(), "mcp-station-modern-stream-"));
let station: TestStation | undefined;
afterAll(async () => {
  await station?.stop();
  server.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

test("a 2026-07-28 answer stream closed without its answer fails its request at once, and the session goes on", async () => {
  const file = join(dir, "servers.json");
  writeFileSync(file, JSON.stringify({ mcpServers: { modern: { url: `http://127.0.0.1:${server.port}/` } } }));
  // A deadline the request would otherwise wait out: 504 instead of 502.
  station = await startStation({ MCP_STATION_SERVERS_FILE: file, MCP_STATION_REQUEST_TIMEOUT_MS: "10000" });
  const created = await station.create({ server: "modern" });
  expect(created.body).toMatchObject({ status: "running", era: "modern" });
  const id = created.body.session_id;

  const hungUp = await station.mcp(id, "tools/call", { name: "hang_up", arguments: {} });
  expect(hungUp.status).toBe(502);
  expect(hungUp.body.error.data.type).toBe("remote_refused");
  expect(hungUp.body.error.message).toContain("closed the response stream of tools/call without its answer");

  const echoed = await station.mcp(id, "tools/call", { name: "echo", arguments: { text: "still here" } });
  expect(echoed.body.data.content).toEqual([{ type: "text", text: "still here" }]);
  expect((await station.call("GET", `/sessions/${id}`)).body).toMatchObject({ status: "running", restarts: 0 });
});
