import { describe, expect, test } from "bun:test";
import { JsonRpcPeer } from "../../src/jsonrpc/peer.ts";
import { MessageTooLarge, RemoteError } from "../../src/errors.ts";

function setup(max = 1 << 20) {
  const written: any[] = [];
  const events = { notifications: [] as any[], invalid: [] as string[] };
  const peer = new JsonRpcPeer(
    (data) => written.push(JSON.parse(data)),
    {
      onRequest: (req) => {
        if (req.method === "ping") return {};
        throw new RemoteError(-32601, "nope");
      },
      onNotification: (n) => events.notifications.push(n),
      onInvalidLine: (line) => events.invalid.push(line),
    },
    { maxMessageBytes: max },
  );
  const feed = (obj: unknown) => peer.push(new TextEncoder().encode(`${typeof obj === "string" ? obj : JSON.stringify(obj)}\n`));
  return { peer, written, events, feed };
}

describe("JsonRpcPeer", () => {
  test("sends requests with station ids and resolves them from responses in any order", async () => {
    const { peer, written, feed } = setup();
    const a = peer.request("tools/list", {}, { timeoutMs: 1000 });
    const b = peer.request("tools/list", {}, { timeoutMs: 1000 });
    expect(written.map((m) => m.id)).toEqual([a.id, b.id]);
    feed({ jsonrpc: "2.0", id: b.id, result: { n: "b" } });
    feed({ jsonrpc: "2.0", id: a.id, error: { code: -32602, message: "bad" } });
    expect(await b.response).toMatchObject({ result: { n: "b" } });
    expect(await a.response).toMatchObject({ error: { code: -32602 } });
  });

  test("a batch from a 2025-03-26 server is taken apart, and string-echoed ids still match", async () => {
    const { peer, events, feed } = setup();
    const a = peer.request("x", undefined, { timeoutMs: 1000 });
    const b = peer.request("y", undefined, { timeoutMs: 1000 });
    feed([
      { jsonrpc: "2.0", id: a.id, result: "A" },
      { jsonrpc: "2.0", method: "notifications/message", params: {} },
      { jsonrpc: "2.0", id: String(b.id), result: "B" },
    ]);
    expect(await a.response).toMatchObject({ result: "A" });
    expect(await b.response).toMatchObject({ result: "B" });
    expect(events.notifications).toHaveLength(1);
  });

  test("answers the other side's requests, with an error for unknown methods", async () => {
    const { written, feed } = setup();
    feed({ jsonrpc: "2.0", id: "s1", method: "ping" });
    feed({ jsonrpc: "2.0", id: "s2", method: "sampling/createMessage", params: {} });
    await Bun.sleep(0);
    expect(written).toContainEqual({ jsonrpc: "2.0", id: "s1", result: {} });
    expect(written).toContainEqual({ jsonrpc: "2.0", id: "s2", error: { code: -32601, message: "nope" } });
  });

  test("skips banners and non-JSON-RPC lines without failing anything", async () => {
    const { peer, events, feed } = setup();
    const a = peer.request("x", undefined, { timeoutMs: 1000 });
    feed("Server starting... v1");
    feed({ hello: "world" });
    feed({ jsonrpc: "2.0", method: "notifications/message", params: { level: "info" } });
    feed({ jsonrpc: "2.0", id: a.id, result: 1 });
    expect(await a.response).toMatchObject({ result: 1 });
    expect(events.invalid).toHaveLength(2);
    expect(events.notifications).toHaveLength(1);
  });

  test("an oversized answer fails only the request it answers", async () => {
    const { peer, feed } = setup(256);
    const big = peer.request("big", undefined, { timeoutMs: 1000 });
    const small = peer.request("small", undefined, { timeoutMs: 1000 });
    feed({ jsonrpc: "2.0", id: big.id, result: "x".repeat(1000) });
    feed({ jsonrpc: "2.0", id: small.id, result: "ok" });
    await expect(big.response).rejects.toBeInstanceOf(MessageTooLarge);
    expect(await small.response).toMatchObject({ result: "ok" });
  });

  test("a failing write fails the request instead of throwing", async () => {
    const peer = new JsonRpcPeer(
      () => {
        throw new Error("EPIPE");
      },
      { onRequest: () => ({}), onNotification: () => {}, onInvalidLine: () => {} },
      { maxMessageBytes: 1024 },
    );
    await expect(peer.request("x", {}, { timeoutMs: 1000 }).response).rejects.toThrow("EPIPE");
  });

  test("cancel fails the caller and sends notifications/cancelled", async () => {
    const { peer, written } = setup();
    const a = peer.request("tools/call", {}, { timeoutMs: 1000 });
    peer.cancel(a.id, new Error("gone"), "caller left");
    await expect(a.response).rejects.toThrow("gone");
    expect(written.at(-1)).toEqual({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: a.id, reason: "caller left" },
    });
  });
});
