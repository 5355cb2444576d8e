/**
 * A remote server's response stream that ends before its answer (Streamable
 * HTTP 2025-03-26 to 2025-11-25, "Resumability and Redelivery"): the official
 * TypeScript SDK server with an event store behind a TCP relay that the test
 * cuts in the middle of a tool's stream, between its first progress
 * notification and the rest. The station resumes with GET and Last-Event-ID,
 * and the caller, an official client, gets its one answer and each progress
 * once. A server whose events carry no id cannot be resumed: the call fails,
 * saying so, and the session reconnects.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { eventually } from "../support/processes.ts";
import { startRemote, stopAllRemotes } from "../support/remote-server.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { TcpRelay } from "../support/tcp-relay.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-resume-"));
let station: TestStation | undefined;
let relay: TcpRelay | undefined;
let client: ClientV1 | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
  await station?.stop();
  station = undefined;
  relay?.stop();
  relay = undefined;
  await stopAllRemotes();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const text = (result: any) => result.content[0].text as string;

/** The SDK v1 server (with `env`), a relay in front of it, and a station whose entry `far` goes through the relay. */
async function behindRelay(env: Record<string, string>): Promise<{ id: string; relay: TcpRelay }> {
  const remote = await startRemote("sdk-v1", env);
  relay = await TcpRelay.open("127.0.0.1", remote.port);
  const file = join(dir, `${crypto.randomUUID()}.json`);
  writeFileSync(file, JSON.stringify({ mcpServers: { far: { url: `http://127.0.0.1:${relay.port}/` } } }));
  station = await startStation({ MCP_STATION_SERVERS_FILE: file, MCP_STATION_RESTART_BACKOFF_MS: "100" });
  const created = await station.create({ server: "far" });
  expect(created.body).toMatchObject({ status: "running", era: "legacy" });
  return { id: created.body.session_id, relay };
}

/** An official client on the session's MCP endpoint, calling long(): the call, its progress, and the first progress's arrival. */
async function callLong(id: string, args: Record<string, unknown> = {}) {
  client = new ClientV1({ name: "resume-test", version: "1.0.0" });
  await client.connect(new TransportV1(new URL(`${station!.url}/sessions/${id}/mcp`)));
  const progress: number[] = [];
  let sawFirst!: () => void;
  const first = new Promise<void>((resolve) => {
    sawFirst = resolve;
  });
  const call = client.callTool({ name: "long", arguments: { ms: 10_000, ...args } }, undefined, {
    onprogress: (p) => {
      progress.push(p.progress);
      if (p.progress === 1) sawFirst();
    },
  });
  // A failure before the first progress ends the wait too.
  await Promise.race([first, call]);
  return { call, progress };
}

/** Lets the server's waiting long() go on; through the station, so on a connection of its own. */
async function release(id: string): Promise<string> {
  return (await station!.mcp(id, "tools/call", { name: "release", arguments: {} })).body.data.content[0].text;
}

describe("a POST's response stream that ends before its answer", () => {
  test("cut by the network after a progress event: resumed with Last-Event-ID, one answer, each progress once", async () => {
    const { id, relay } = await behindRelay({ EVENT_STORE: "1" });
    const { call, progress } = await callLong(id);
    relay.cut();
    // The tool goes on from here: progress 2 and 3 and the answer are sent after the cut.
    expect(await release(id)).toBe("released 1");
    expect(text(await call)).toBe("long done");
    expect(progress).toEqual([1, 2, 3]);
    const session = (await station!.call("GET", `/sessions/${id}`)).body;
    expect(session).toMatchObject({ status: "running", restarts: 0 });
    expect(text(await client!.callTool({ name: "resumes", arguments: {} }))).not.toBe("0");
    const logs = JSON.stringify((await station!.call("GET", `/sessions/${id}/logs`)).body);
    expect(logs).toContain("resumed");
  });

  test("closed by the server after a progress event (polling): resumed the same way", async () => {
    const { id } = await behindRelay({ EVENT_STORE: "1", RETRY_MS: "50" });
    const { call, progress } = await callLong(id, { hangUp: true });
    expect(await release(id)).toBe("released 1");
    expect(text(await call)).toBe("long done");
    expect(progress).toEqual([1, 2, 3]);
    expect((await station!.call("GET", `/sessions/${id}`)).body).toMatchObject({ status: "running", restarts: 0 });
  });

  test.each([
    ["whose events carry no id", {}, "the server gave its events no id"],
    ["that answers GET with 405", { EVENT_STORE: "1", NO_GET: "1" }, "answered the resuming GET with 405"],
  ])("from a server %s: the call fails saying why, and the session reconnects", async (_, env, why) => {
    const { id, relay } = await behindRelay(env);
    const { call, progress } = await callLong(id);
    relay.cut();
    const failure = await call.then(
      () => undefined,
      (error: Error & { data?: { type?: string } }) => error,
    );
    // As a server that cannot be reached: the link ends, and the request in flight with it.
    expect(failure?.data?.type).toBe("server_exited");
    expect(failure?.message).toContain("could not be resumed");
    expect(failure?.message).toContain(why);
    expect(progress).toEqual([1]);
    expect(
      await eventually(async () => {
        const session = (await station!.call("GET", `/sessions/${id}`)).body;
        return session.status === "running" && session.restarts >= 1;
      }, 10_000),
    ).toBeTruthy();
    expect(await release(id)).toBe("released 1");
  });
});
