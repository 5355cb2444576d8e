#!/usr/bin/env node
// The benchmark's echo server on the official TypeScript SDK v1 (@modelcontextprotocol/sdk, pinned in
// package.json): McpServer over stdio with one tool, echo({text}) -> text. Every gateway in
// bench/peers.ts runs this same file, so the server's own cost is the same on every path.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "bench-sdk-echo", version: "1.0.0" });
server.registerTool("echo", { description: "Echo the given text back", inputSchema: { text: z.string() } }, async ({ text }) => ({
  content: [{ type: "text", text }],
}));
await server.connect(new StdioServerTransport());
