/**
 * The official MCP clients, unmodified, against a station session's MCP
 * endpoint (/sessions/{id}/mcp): the TypeScript SDK v1 (legacy era) and v2
 * (2026-07-28, negotiated by its own probe), and the Python SDK 2.x and 1.x.
 * Each lists and calls tools, receives progress and logging, and answers the
 * sampling and elicitation requests a legacy server makes; across eras the
 * station bridges (input_required <-> server requests).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { EVERYTHING_ENTRY, PYTHON_MCP1, PYTHON_MCP2, fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

const WITH_CLIENT_REQUESTS = { sampling: {}, elicitation: {} };

async function endpoint(spec: Record<string, unknown>): Promise<URL> {
  const created = await station.create(spec);
  expect(created.status).toBe(200);
  return new URL(`${station.url}/sessions/${created.body.session_id}/mcp`);
}

const clientRequestsServer = () =>
  endpoint({ server_type: "node", server_command: fixture("client-requests.mjs"), client_capabilities: WITH_CLIENT_REQUESTS });

function textOf(result: unknown): string {
  return ((result as { content: { text: string }[] }).content[0] as { text: string }).text;
}

describe("TypeScript SDK v1 (StreamableHTTPClientTransport, legacy era)", () => {
  test("lists and calls tools, gets progress and logging, answers sampling and elicitation of a legacy server", async () => {
    const client = new ClientV1({ name: "sdk-v1", version: "1.0.0" }, { capabilities: { sampling: {}, elicitation: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: "assistant",
      content: { type: "text", text: "hello from v1" },
      model: "fake-model",
    }));
    client.setRequestHandler(ElicitRequestSchema, async () => ({ action: "accept", content: { name: "Ada" } }));
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params.data);
    });
    await client.connect(new TransportV1(await clientRequestsServer()));
    try {
      expect(client.getServerVersion()?.name).toBe("client-requests");
      const tools = await client.listTools();
      expect(tools.tools.map((tool) => tool.name)).toContain("ask_sampling");
      const progress: number[] = [];
      const done = await client.callTool({ name: "progress", arguments: { steps: 3 } }, undefined, {
        onprogress: (p) => progress.push(p.progress),
      });
      expect(textOf(done)).toBe("done 3");
      expect(progress).toEqual([1, 2, 3]);
      expect(textOf(await client.callTool({ name: "log", arguments: { text: "a log line" } }))).toBe("logged");
      expect(logs).toContain("a log line");
      const sampled = JSON.parse(textOf(await client.callTool({ name: "ask_sampling", arguments: {} })));
      expect(sampled.content.text).toBe("hello from v1");
      const elicited = JSON.parse(textOf(await client.callTool({ name: "ask_elicitation", arguments: {} })));
      expect(elicited).toEqual({ action: "accept", content: { name: "Ada" } });
    } finally {
      await client.close();
    }
  });

  test("uses a modern server through the station: its input_required becomes an elicitation request to the client", async () => {
    const client = new ClientV1({ name: "sdk-v1", version: "1.0.0" }, { capabilities: { elicitation: {} } });
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      expect(request.params.message).toBe("Ship it?");
      return { action: "accept", content: { ok: true } };
    });
    await client.connect(new TransportV1(await endpoint({ server_type: "node", server_command: fixture("modern.mjs") })));
    try {
      expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(["echo", "whoami", "confirm"]);
      const echoed = await client.callTool({ name: "echo", arguments: { text: "hi" } });
      expect(echoed).toEqual({ content: [{ type: "text", text: "hi" }] });
      expect(textOf(await client.callTool({ name: "confirm", arguments: { message: "Ship it?" } }))).toBe("confirmed: true");
    } finally {
      await client.close();
    }
  });

  test("answers server-everything's trigger-sampling-request", async () => {
    const client = new ClientV1({ name: "sdk-v1", version: "1.0.0" }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: "assistant",
      content: { type: "text", text: `sampled: ${(request.params.messages[0].content as { text: string }).text}` },
      model: "fake-model",
    }));
    const url = await endpoint({
      server_type: "node",
      server_command: EVERYTHING_ENTRY,
      server_args: ["stdio"],
      client_capabilities: { sampling: {} },
    });
    await client.connect(new TransportV1(url));
    try {
      const result = await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "ping", maxTokens: 10 } });
      expect(JSON.stringify(result)).toContain("sampled: Resource trigger-sampling-request context: ping");
    } finally {
      await client.close();
    }
  });
});

describe("TypeScript SDK v2 (@modelcontextprotocol/client, versionNegotiation auto)", () => {
  const newClient = (capabilities: Record<string, unknown>) => {
    const client = new ClientV2({ name: "sdk-v2", version: "2.0.0" }, { capabilities, versionNegotiation: { mode: "auto" } });
    if (capabilities.sampling) {
      client.setRequestHandler("sampling/createMessage", async () => ({
        role: "assistant",
        content: { type: "text", text: "hello from v2" },
        model: "fake",
      }));
    }
    if (capabilities.elicitation)
      client.setRequestHandler("elicitation/create", async () => ({ action: "accept", content: { name: "Ada", ok: true } }));
    return client;
  };

  test("negotiates 2026-07-28 with a legacy server behind the station and completes sampling and elicitation round trips", async () => {
    const client = newClient({ sampling: {}, elicitation: {} });
    await client.connect(new TransportV2(await clientRequestsServer()));
    try {
      expect((client as unknown as { _negotiatedProtocolVersion: string })._negotiatedProtocolVersion).toBe("2026-07-28");
      expect((await client.listTools()).tools.map((tool) => tool.name)).toContain("ask_elicitation");
      const progress: number[] = [];
      const done = await client.callTool({ name: "progress", arguments: { steps: 3 } }, { onprogress: (p) => progress.push(p.progress) });
      expect(textOf(done)).toBe("done 3");
      expect(progress).toEqual([1, 2, 3]);
      const sampled = JSON.parse(textOf(await client.callTool({ name: "ask_sampling", arguments: {} })));
      expect(sampled).toEqual({ role: "assistant", content: { type: "text", text: "hello from v2" }, model: "fake" });
      const elicited = JSON.parse(textOf(await client.callTool({ name: "ask_elicitation", arguments: {} })));
      expect(elicited.action).toBe("accept");
    } finally {
      await client.close();
    }
  });

  test("talks to a modern server, whose own input_required passes through", async () => {
    const client = newClient({ elicitation: {} });
    await client.connect(new TransportV2(await endpoint({ server_type: "node", server_command: fixture("modern.mjs") })));
    try {
      expect(textOf(await client.callTool({ name: "echo", arguments: { text: "hi" } }))).toBe("hi");
      expect(textOf(await client.callTool({ name: "confirm", arguments: {} }))).toBe("confirmed: true");
    } finally {
      await client.close();
    }
  });

  test("answers server-everything's trigger-sampling-request as an input_required round trip", async () => {
    const client = newClient({ sampling: {} });
    const url = await endpoint({
      server_type: "node",
      server_command: EVERYTHING_ENTRY,
      server_args: ["stdio"],
      client_capabilities: { sampling: {} },
    });
    await client.connect(new TransportV2(url));
    try {
      const result = await client.callTool({ name: "trigger-sampling-request", arguments: { prompt: "ping", maxTokens: 10 } });
      expect(JSON.stringify(result)).toContain("hello from v2");
    } finally {
      await client.close();
    }
  });
});

describe("Python SDK streamable HTTP clients", () => {
  async function runPython(python: string, script: string, args: string[]): Promise<Record<string, unknown>> {
    const child = Bun.spawn([python, fixture(`../live/python/${script}`), ...args], { stdout: "pipe", stderr: "pipe" });
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
    if (code !== 0) throw new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`);
    return Object.fromEntries(
      stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line))
        .map((row) => [row.step, row.value]),
    );
  }

  const expectFullRun = (steps: Record<string, any>, version: string) => {
    expect(steps.version).toBe(version);
    expect(steps.tools).toContain("ask_sampling");
    expect(steps.progress).toEqual({ text: "done 3", progress: [1, 2, 3] });
    expect(steps.log).toEqual({ text: "logged", logs: ["hi log"] });
    expect(JSON.parse(steps.sampling).content.text).toBe("hello from python");
    expect(JSON.parse(steps.elicitation)).toEqual({ action: "accept", content: { name: "Ada" } });
  };

  test("mcp 2.x in auto mode negotiates 2026-07-28 and bridges to the legacy server", async () => {
    expectFullRun(await runPython(PYTHON_MCP2, "mcp2_client.py", [String(await clientRequestsServer()), "auto"]), "2026-07-28");
  });

  test("mcp 2.x in legacy mode", async () => {
    expectFullRun(await runPython(PYTHON_MCP2, "mcp2_client.py", [String(await clientRequestsServer()), "legacy"]), "2025-11-25");
  });

  test("mcp 1.x (streamablehttp_client + ClientSession)", async () => {
    expectFullRun(await runPython(PYTHON_MCP1, "mcp1_client.py", [String(await clientRequestsServer())]), "2025-11-25");
  });
});
