/** The fixture test/fixtures/trace-context-server.mjs, on its own: what its README row promises. */
import { afterAll, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { killAllPeers, spawnPeer } from "../setup/stdio-peer.ts";
import { CALLER_TRACEPARENT } from "./harness.ts";

const NODE = process.env.NODE_BINARY ?? "node";
afterAll(() => killAllPeers());

test("trace_context answers the traceparent and tracestate the request carried in params._meta, null when absent", async () => {
  const peer = spawnPeer([NODE, fixture("trace-context-server.mjs")]);
  const init = await peer.initialize();
  expect(init.result.serverInfo).toEqual({ name: "trace-context-server", version: "1.0.0" });
  const carried = await peer.request("tools/call", {
    name: "trace_context",
    arguments: {},
    _meta: { traceparent: CALLER_TRACEPARENT, tracestate: "vendor=abc", progressToken: 9 },
  });
  expect(carried.result.structuredContent).toEqual({ traceparent: CALLER_TRACEPARENT, tracestate: "vendor=abc" });
  expect(JSON.parse(carried.result.content[0].text)).toEqual({ traceparent: CALLER_TRACEPARENT, tracestate: "vendor=abc" });
  const bare = await peer.request("tools/call", { name: "trace_context", arguments: {} });
  expect(bare.result.structuredContent).toEqual({ traceparent: null, tracestate: null });
});
