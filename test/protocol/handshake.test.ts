/**
 * The era probe and handshake against scripted servers: which messages the
 * station sends, in which order, and which era it concludes.
 */
import { describe, expect, test } from "bun:test";
import { StartFailed } from "../../src/errors.ts";
import { JsonRpcPeer } from "../../src/jsonrpc/peer.ts";
import { handshake } from "../../src/protocol/handshake.ts";

type Reply =
  | { result?: unknown; error?: { code: number; message: string; data?: unknown } }
  | "silence"
  | { delayMs: number; result?: unknown; error?: unknown };

/** A scripted server: for each method, what to answer (or silence, or a late answer). */
function scriptedServer(script: Record<string, Reply>) {
  const received: any[] = [];
  const peer: JsonRpcPeer = new JsonRpcPeer(
    (line) => {
      const message = JSON.parse(line);
      received.push(message);
      if (message.id === undefined) return;
      const reply = script[message.method] ?? { error: { code: -32601, message: "Method not found" } };
      if (reply === "silence") return;
      const send = () =>
        peer.push(new TextEncoder().encode(`${JSON.stringify({ jsonrpc: "2.0", id: message.id, ...reply, delayMs: undefined })}\n`));
      if ("delayMs" in reply) setTimeout(send, reply.delayMs);
      else queueMicrotask(send);
    },
    { onRequest: () => ({}), onNotification: () => {}, onInvalidLine: () => {} },
    { maxMessageBytes: 1 << 20 },
  );
  return { peer, methods: () => received.map((m) => m.method), received };
}

const options = {
  clientInfo: { name: "station", version: "test" },
  legacyCapabilities: { roots: {} },
  probeTimeoutMs: 100,
  startTimeoutMs: 2000,
};
const discoverResult = {
  resultType: "complete",
  supportedVersions: ["2026-07-28"],
  capabilities: { tools: {} },
  instructions: "be nice",
  _meta: { "io.modelcontextprotocol/serverInfo": { name: "m", version: "2" } },
};
const initializeResult = (v = "2025-11-25") => ({
  protocolVersion: v,
  capabilities: { tools: {} },
  serverInfo: { name: "l", version: "1" },
});

describe("handshake", () => {
  test("a discover result means a modern server: no initialize is sent", async () => {
    const server = scriptedServer({ "server/discover": { result: discoverResult } });
    const identity = await handshake(server.peer, options);
    expect(identity).toMatchObject({ era: "modern", protocolVersion: "2026-07-28", serverInfo: { name: "m" }, instructions: "be nice" });
    expect(server.methods()).toEqual(["server/discover"]);
    // The probe carries the modern envelope.
    expect(server.received[0].params._meta["io.modelcontextprotocol/protocolVersion"]).toBe("2026-07-28");
  });

  for (const code of [-32601, -32602, -32600]) {
    test(`a probe answered with ${code} means a legacy server: initialize, then initialized`, async () => {
      const server = scriptedServer({ "server/discover": { error: { code, message: "no" } }, initialize: { result: initializeResult() } });
      const identity = await handshake(server.peer, options);
      expect(identity).toMatchObject({ era: "legacy", protocolVersion: "2025-11-25" });
      expect(server.methods()).toEqual(["server/discover", "initialize", "notifications/initialized"]);
      expect(server.received[1].params).toMatchObject({ protocolVersion: "2025-11-25", capabilities: { roots: {} } });
    });
  }

  test("a silent probe falls back to initialize after the probe deadline", async () => {
    const server = scriptedServer({ "server/discover": "silence", initialize: { result: initializeResult("2025-06-18") } });
    const identity = await handshake(server.peer, options);
    expect(identity).toMatchObject({ era: "legacy", protocolVersion: "2025-06-18" });
    // The unanswered probe is cancelled; initialize is never cancelled.
    expect(server.methods()).toEqual(["server/discover", "initialize", "notifications/cancelled", "notifications/initialized"]);
  });

  test("a slow modern server that answers the probe late is still found modern", async () => {
    const server = scriptedServer({
      "server/discover": { delayMs: 250, result: discoverResult },
      initialize: { delayMs: 300, error: { code: -32022, message: "Unsupported protocol version", data: { supported: ["2026-07-28"] } } },
    });
    const identity = await handshake(server.peer, options);
    expect(identity.era).toBe("modern");
    expect(server.methods()).not.toContain("notifications/initialized");
  });

  test("a slow dual-era server that takes the crossing initialize as its handshake is legacy, though its probe answer came first", async () => {
    // The v2 SDK's serveStdio: server/discover is answered without fixing the era; the initialize after it
    // pins the process to the legacy era, and its answer follows the probe's.
    const server = scriptedServer({
      "server/discover": { delayMs: 250, result: discoverResult },
      initialize: { delayMs: 160, result: initializeResult() },
    });
    const identity = await handshake(server.peer, options);
    expect(identity).toMatchObject({ era: "legacy", protocolVersion: "2025-11-25", serverInfo: { name: "l" } });
    expect(server.methods()).toEqual(["server/discover", "initialize", "notifications/initialized"]);
  });

  test("UnsupportedProtocolVersion naming a legacy version leads to initialize", async () => {
    const server = scriptedServer({
      "server/discover": { error: { code: -32022, message: "Unsupported", data: { supported: ["2025-06-18"], requested: "2026-07-28" } } },
      initialize: { result: initializeResult("2025-06-18") },
    });
    expect((await handshake(server.peer, options)).era).toBe("legacy");
  });

  test("a server that speaks only versions the station does not know fails clearly", async () => {
    const server = scriptedServer({
      "server/discover": { error: { code: -32022, message: "Unsupported", data: { supported: ["2099-01-01"], requested: "2026-07-28" } } },
    });
    await expect(handshake(server.peer, options)).rejects.toBeInstanceOf(StartFailed);
    expect(server.methods()).toEqual(["server/discover"]);
  });

  test("an initialize answer with an unknown protocol version fails the handshake", async () => {
    const server = scriptedServer({ initialize: { result: initializeResult("1999-01-01") } });
    await expect(handshake(server.peer, options)).rejects.toThrow("does not speak");
  });

  test("a command known to be legacy goes straight to initialize", async () => {
    const server = scriptedServer({ initialize: { result: initializeResult() } });
    const identity = await handshake(server.peer, { ...options, knownEra: "legacy" });
    expect(identity.eraSource).toBe("cache");
    expect(server.methods()).toEqual(["initialize", "notifications/initialized"]);
  });

  test("a server that answers nothing fails within the start deadline", async () => {
    const server = scriptedServer({ "server/discover": "silence", initialize: "silence" });
    await expect(handshake(server.peer, { ...options, startTimeoutMs: 300 })).rejects.toThrow();
  });
});
