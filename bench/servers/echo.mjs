#!/usr/bin/env node
// The bench's trivial MCP server (legacy era, 2025-11-25): as little work per
// message as a stdio server can do, so that what the bench measures is the
// station, not the server. No SDK, no validation.
//   initialize       -> {protocolVersion, capabilities: {tools: {}}, serverInfo}
//   tools/call echo  {message}          -> {content: [{type: "text", text: message}]}
//   tools/call big   {bytes, message}   -> one text of `bytes` ASCII bytes, starting with message
//   ping / tools/list answered; anything else -> -32601 (server/discover included).
// Notifications are ignored. Exits when stdin closes.
const texts = new Map(); // bytes -> padding, built once per size

function bigText(bytes, message) {
  let pad = texts.get(bytes);
  if (pad === undefined) {
    pad = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(Math.ceil(bytes / 36) + 1);
    texts.set(bytes, pad);
  }
  return message + pad.slice(0, Math.max(0, bytes - message.length));
}

function reply(id, result) {
  process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${JSON.stringify(result)}}\n`);
}

function handle(msg) {
  if (msg.id === undefined || msg.id === null) return; // a notification
  const p = msg.params ?? {};
  switch (msg.method) {
    case "initialize":
      return reply(msg.id, {
        protocolVersion: p.protocolVersion ?? "2025-11-25",
        capabilities: { tools: {} },
        serverInfo: { name: "bench-echo", version: "1.0.0" },
      });
    case "ping":
      return reply(msg.id, {});
    case "tools/list":
      return reply(msg.id, {
        tools: [
          { name: "echo", inputSchema: { type: "object" } },
          { name: "big", inputSchema: { type: "object" } },
        ],
      });
    case "tools/call": {
      const args = p.arguments ?? {};
      if (p.name === "big") {
        const text = bigText(Number(args.bytes ?? 1048576), String(args.message ?? ""));
        // The text is ASCII without quotes or backslashes: no escaping to do, one write.
        process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"result":{"content":[{"type":"text","text":"${text}"}]}}\n`);
        return;
      }
      return reply(msg.id, { content: [{ type: "text", text: String(args.message ?? "") }] });
    }
    default:
      process.stdout.write(`{"jsonrpc":"2.0","id":${JSON.stringify(msg.id)},"error":{"code":-32601,"message":"Method not found"}}\n`);
  }
}

let tail = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  const data = tail + chunk;
  let nl = data.indexOf("\n");
  let start = 0;
  while (nl !== -1) {
    const line = data.slice(start, nl);
    if (line.trim()) {
      try {
        handle(JSON.parse(line));
      } catch {}
    }
    start = nl + 1;
    nl = data.indexOf("\n", start);
  }
  tail = data.slice(start);
});
process.stdin.on("end", () => process.exit(0));
