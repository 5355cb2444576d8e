// The peers bench counts what a careless load generator would hide. These tests point its client at
// small real HTTP servers that misbehave on purpose, and check that each failure lands in its count.
import { afterEach, describe, expect, test } from "bun:test";
import { openStreamableHttp, parseSseMessages } from "./http-clients.ts";
import { runLoad } from "../lib/load.ts";

type Rpc = { id: number; method: string; params?: { arguments?: { text?: string } } };
type Behaviour = (message: Rpc, previous: Rpc | undefined) => Response | Promise<Response>;

const servers: ReturnType<typeof Bun.serve>[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true);
});

const sse = (message: object) =>
  new Response(`event: message\ndata: ${JSON.stringify(message)}\n\n`, { headers: { "content-type": "text/event-stream" } });
const echo = (m: Rpc, text = m.params?.arguments?.text) => ({ jsonrpc: "2.0", id: m.id, result: { content: [{ type: "text", text }] } });

/** A Streamable HTTP endpoint: initialize and the initialized notification are answered properly; tools/call as `behaviour` says. */
function gateway(behaviour: Behaviour): string {
  let previous: Rpc | undefined;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const message = (await request.json()) as Rpc;
      if (message.method === "initialize")
        return Response.json(
          {
            jsonrpc: "2.0",
            id: message.id,
            result: { protocolVersion: "2025-03-26", capabilities: {}, serverInfo: { name: "fake", version: "0" } },
          },
          { headers: { "mcp-session-id": "s1" } },
        );
      if (message.method.startsWith("notifications/")) return new Response(null, { status: 202 });
      const reply = behaviour(message, previous);
      previous = message;
      return reply;
    },
  });
  servers.push(server);
  return `http://127.0.0.1:${server.port}/mcp`;
}

const load = async (url: string, timeoutMs?: number) =>
  runLoad(await openStreamableHttp(url), { concurrency: 8, durationMs: 300, timeoutMs });

describe("the peers bench's checks", () => {
  test("an honest SSE gateway: every answer accepted, none counted as an error", async () => {
    const run = await load(gateway((m) => sse(echo(m))));
    expect(run.ok).toBeGreaterThan(0);
    expect(run.errors.total).toBe(0);
  });

  test("a gateway that hands out the previous caller's answer: counted crossed, none accepted", async () => {
    const run = await load(
      gateway((m, previous) =>
        sse(echo({ ...m, id: (previous ?? m).id }, (previous ?? { params: { arguments: { text: "none" } } }).params?.arguments?.text)),
      ),
    );
    expect(run.errors.crossed).toBeGreaterThan(0);
    expect(run.ok).toBe(0);
  });

  test("the right id with another request's token is still crossed", async () => {
    const run = await load(gateway((m) => Response.json(echo(m, "someone-else"))));
    expect(run.errors.crossed).toBeGreaterThan(0);
    expect(run.ok).toBe(0);
  });

  test("a non-2xx answer is counted as http", async () => {
    const run = await load(gateway(() => new Response("busy", { status: 503 })));
    expect(run.errors.http).toBeGreaterThan(0);
    expect(run.ok).toBe(0);
  });

  test("an answer that never comes is counted missing once its deadline passes", async () => {
    const run = await load(
      gateway(() => new Promise<Response>(() => {})),
      100,
    );
    expect(run.errors.missing).toBeGreaterThan(0);
    expect(run.ok).toBe(0);
  });

  test("SSE: notifications before the response are skipped; data lines of one event are joined", () => {
    const body =
      'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress"}\n\nevent: message\ndata: {"jsonrpc":"2.0",\ndata: "id":7,"result":{}}\n\n';
    expect(parseSseMessages(body)).toEqual([
      { jsonrpc: "2.0", method: "notifications/progress" },
      { jsonrpc: "2.0", id: 7, result: {} },
    ]);
  });
});
