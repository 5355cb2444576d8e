/**
 * The resumption buffer of a legacy client's MCP session (/sessions/{id}/mcp):
 * what its SSE streams sent is kept for a resume with Last-Event-ID, within
 * MCP_STATION_MCP_RESUME_BYTES per MCP session. Finished streams go first,
 * oldest first; a resume of a stream no longer held is refused (400), one
 * still held replays what it holds.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LegacyMcpSession } from "../../src/modules/streamable-http/legacy-client.ts";
import { SseStream } from "../../src/http/sse.ts";
import { LOCAL_CALLER } from "../../src/security/caller.ts";
import { ClientHub } from "../../src/sessions/client-hub.ts";
import { EventBuffer } from "../../src/sessions/event-buffer.ts";
import type { Session } from "../../src/sessions/session.ts";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { SseReader } from "./support.ts";

const BUDGET = 64 * 1024;
let station: TestStation;
beforeAll(async () => {
  station = await startStation({ MCP_STATION_MCP_RESUME_BYTES: String(BUDGET) });
});
afterAll(() => station.stop());

const BOTH = "application/json, text/event-stream";

describe("the legacy MCP session's resumption buffer is bounded", () => {
  test("old finished streams are forgotten past the bound (resume: 400); the newest still resumes with its answer", async () => {
    const created = await station.create({ server_type: "node", server_command: fixture("echo.mjs") });
    const url = `${station.url}/sessions/${created.body.session_id}/mcp`;
    const init = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
      }),
    });
    const sid = init.headers.get("mcp-session-id")!;
    const text = "x".repeat(10_000);
    const primingIds: string[] = [];
    // 12 answers of ~10 kB: about twice the 64 KiB bound.
    for (let i = 1; i <= 12; i++) {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: BOTH, "mcp-session-id": sid, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "tools/call", params: { name: "echo", arguments: { text } } }),
      });
      const events = await new SseReader(res).drain();
      primingIds.push(events.find((e) => e.id !== undefined && e.data === "")!.id!);
      expect(JSON.parse(events.at(-1)!.data).result.content[0].text).toBe(text);
    }
    const resume = (id: string) => fetch(url, { headers: { accept: "text/event-stream", "mcp-session-id": sid, "last-event-id": id } });
    const oldest = await resume(primingIds[0]);
    expect(oldest.status).toBe(400);
    expect(((await oldest.json()) as any).error.message).toContain("no longer held");
    const newest = await resume(primingIds.at(-1)!);
    expect(newest.status).toBe(200);
    const replayed = (await new SseReader(newest).drain()).filter((e) => e.data);
    expect(JSON.parse(replayed.at(-1)!.data)).toMatchObject({ id: 12, result: { content: [{ text }] } });
  });
});

describe("LegacyMcpSession's accounting", () => {
  const fakeSession = () => ({ events: new EventBuffer(10), clients: new ClientHub() }) as unknown as Session;

  test("kept bytes never pass the bound however many streams a client opens, and forgotten streams leave the map", () => {
    const client = new LegacyMcpSession(fakeSession(), LOCAL_CALLER, "2025-11-25", {}, undefined, "{}", { resumeBytes: BUDGET });
    for (let i = 0; i < 500; i++) {
      const stream = client.openStream();
      stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: i, pad: "p".repeat(500) } });
      stream.send({ jsonrpc: "2.0", id: i, result: { pad: "r".repeat(2_000) } });
      stream.finish();
      expect(client.keptBytes).toBeLessThanOrEqual(BUDGET);
    }
    expect(client.streamCount).toBeLessThan(40);
    // The newest finished stream is still there to resume.
    expect(client.stream("500")?.done).toBe(true);
    expect(client.stream("1")).toBeUndefined();
  });

  test("an open stream keeps its newest events within the bound; a message larger than the bound is sent live but not kept", async () => {
    const client = new LegacyMcpSession(fakeSession(), LOCAL_CALLER, "2025-11-25", {}, undefined, "{}", { resumeBytes: BUDGET });
    const stream = client.openStream();
    const sse = new SseStream();
    stream.attach(sse);
    for (let i = 0; i < 200; i++)
      stream.send({ jsonrpc: "2.0", method: "notifications/message", params: { data: `${i} ${"m".repeat(1_000)}` } });
    expect(client.keptBytes).toBeLessThanOrEqual(BUDGET);
    stream.send({ jsonrpc: "2.0", id: 1, result: { big: "b".repeat(BUDGET * 2) } });
    expect(client.keptBytes).toBeLessThanOrEqual(BUDGET);
    sse.close();
    const live = await new Response(sse.response.body).text();
    expect(live).toContain("b".repeat(BUDGET * 2));
    // A resume after the oldest held event replays only what is held: the newest notifications, not the big answer.
    const again = new SseStream();
    stream.attach(again, 0);
    again.close();
    const replayed = (await new Response(again.response.body).text()).split("\n\n").filter((block) => block.includes("data: {"));
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.length).toBeLessThan(200);
    expect(replayed.at(-1)).toContain('"199 m');
  });

  test("a finished stream whose answer was too big to keep is forgotten whole", () => {
    const client = new LegacyMcpSession(fakeSession(), LOCAL_CALLER, "2025-11-25", {}, undefined, "{}", { resumeBytes: BUDGET });
    const stream = client.openStream();
    stream.send({ jsonrpc: "2.0", method: "notifications/progress", params: { progress: 1 } });
    stream.send({ jsonrpc: "2.0", id: 1, result: { big: "b".repeat(BUDGET) } });
    stream.finish();
    expect(client.stream(stream.id)).toBeUndefined();
    expect(client.keptBytes).toBe(0);
  });

  test("a bound of 0 keeps nothing: a finished stream is forgotten at once", () => {
    const client = new LegacyMcpSession(fakeSession(), LOCAL_CALLER, "2025-11-25", {}, undefined, "{}", { resumeBytes: 0 });
    const stream = client.openStream();
    stream.send({ jsonrpc: "2.0", id: 1, result: {} });
    stream.finish();
    expect(client.keptBytes).toBe(0);
    expect(client.stream(stream.id)).toBeUndefined();
  });
});
