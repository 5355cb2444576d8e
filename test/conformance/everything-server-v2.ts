#!/usr/bin/env bun
/**
 * A 2026-07-28 server for the conformance suite's server scenarios, on the
 * official TypeScript SDK v2 (@modelcontextprotocol/server 2.4.0) over stdio
 * (`serveStdio`, which speaks 2026-07-28 to a client that opens with
 * server/discover, as the station does). It implements what each scenario's
 * description asks of a server (the tools, resources and prompts by the names
 * the suite calls), the 2026 way: a tool that needs its client's input
 * returns an input_required result (SEP-2322) instead of asking on the wire.
 * Written for MCP Station's own conformance runs (test/conformance/run.ts);
 * the suite's reference server, on SDK v1, is vendor/mcp-conformance.
 *
 *   bun test/conformance/everything-server-v2.ts    (stdio)
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  type CallToolResult,
  McpServer,
  ResourceTemplate,
  type ServerContext,
  acceptedContent,
  completable,
  createRequestStateCodec,
  fromJsonSchema,
  inputRequired,
} from "@modelcontextprotocol/server";
import { serveStdio } from "@modelcontextprotocol/server/stdio";
import { z } from "zod";

const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const text = (value: string): CallToolResult => ({ content: [{ type: "text", text: value }] });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nameSchema = { type: "object" as const, properties: { name: { type: "string" as const } }, required: ["name"] };
const confirmSchema = { type: "object" as const, properties: { ok: { type: "boolean" as const } }, required: ["ok"] };

/** SEP-1613 / SEP-2106: the JSON Schema 2020-12 keywords a tools/list must keep. */
const JSON_SCHEMA_2020_12 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: { $anchor: "address", type: "object", properties: { street: { type: "string" }, city: { type: "string" } } },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, which the scenario checks is kept.
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

/** Integrity-protected requestState: a tampered one is refused (-32602) before any handler runs. */
const stateCodec = createRequestStateCodec<Record<string, unknown>>({ key: crypto.getRandomValues(new Uint8Array(32)) });

/** What an input response carries, whatever its kind (elicitation content, sampling text, roots). */
const responses = (ctx: ServerContext) => (ctx.mcpReq.inputResponses ?? {}) as Record<string, any>;
/** The capabilities the client declared in this request's envelope. */
const declared = (ctx: ServerContext) =>
  ((ctx.mcpReq.envelope as Record<string, unknown> | undefined)?.[CLIENT_CAPABILITIES_META_KEY] ?? {}) as Record<string, unknown>;
const sampledText = (answer: any) => (typeof answer?.content?.text === "string" ? answer.content.text : "no response");

function createServer(): McpServer {
  const server = new McpServer(
    { name: "mcp-conformance-test-server-v2", version: "1.0.0" },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
      requestState: { verify: (state, ctx) => stateCodec.verify(state, ctx) },
    },
  );
  registerContentTools(server);
  registerInputTools(server);
  registerResources(server);
  registerPrompts(server);
  return server;
}

function registerContentTools(server: McpServer): void {
  server.registerTool("test_simple_text", { description: "Tests simple text content response" }, async () =>
    text("This is a simple text response for testing."),
  );
  server.registerTool("test_image_content", { description: "Tests image content response" }, async () => ({
    content: [{ type: "image", data: PNG, mimeType: "image/png" }],
  }));
  server.registerTool("test_audio_content", { description: "Tests audio content response" }, async () => ({
    content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }],
  }));
  server.registerTool("test_embedded_resource", { description: "Tests embedded resource content response" }, async () => ({
    content: [
      {
        type: "resource",
        resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." },
      },
    ],
  }));
  server.registerTool("test_multiple_content_types", { description: "Tests response with multiple content types" }, async () => ({
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: PNG, mimeType: "image/png" },
      {
        type: "resource",
        resource: {
          uri: "test://mixed-content-resource",
          mimeType: "application/json",
          text: JSON.stringify({ test: "data", value: 123 }),
        },
      },
    ],
  }));
  server.registerTool("test_tool_with_logging", { description: "Emits three log messages" }, async (ctx) => {
    for (const step of ["Tool execution started", "Tool processing data", "Tool execution completed"]) {
      await ctx.mcpReq.log("info", step);
      await delay(50);
    }
    return text("Tool with logging executed successfully");
  });
  server.registerTool("test_tool_with_progress", { description: "Reports progress 0, 50 and 100 of 100" }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (const progress of [0, 50, 100]) {
      if (progressToken !== undefined)
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` },
        });
      if (progress < 100) await delay(50);
    }
    return text(String(progressToken ?? "no progress token"));
  });
  server.registerTool("test_error_handling", { description: "Always fails" }, async () => {
    throw new Error("This tool intentionally returns an error for testing");
  });
  server.registerTool(
    "json_schema_2020_12_tool",
    { description: "Tool with JSON Schema 2020-12 features", inputSchema: fromJsonSchema(JSON_SCHEMA_2020_12) },
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
  server.registerTool(
    "test_x_mcp_header",
    {
      description: "Echoes its region, mirrored into Mcp-Param-Region (SEP-2243)",
      inputSchema: fromJsonSchema<{ region: string }>({
        type: "object",
        properties: { region: { type: "string", "x-mcp-header": "Region" } as Record<string, unknown>, query: { type: "string" } },
        required: ["region"],
      }),
    },
    async ({ region }) => text(`region: ${region}`),
  );
  // The server-stateless scenario's list-change hooks: adding or removing an entry makes the SDK tell listens.
  let dynamicTool: { remove(): void } | undefined;
  server.registerTool("test_trigger_tool_change", { description: "Adds or removes a tool" }, async () => {
    if (dynamicTool) {
      dynamicTool.remove();
      dynamicTool = undefined;
    } else dynamicTool = server.registerTool("test_dynamic_tool", { description: "Comes and goes" }, async () => text("here"));
    return text("tool list changed");
  });
  let dynamicPrompt: { remove(): void } | undefined;
  server.registerTool("test_trigger_prompt_change", { description: "Adds or removes a prompt" }, async () => {
    if (dynamicPrompt) {
      dynamicPrompt.remove();
      dynamicPrompt = undefined;
    } else
      dynamicPrompt = server.registerPrompt("test_dynamic_prompt", { description: "Comes and goes" }, async () => ({
        messages: [{ role: "user", content: { type: "text", text: "here" } }],
      }));
    return text("prompt list changed");
  });
}

/** Tools that need their client: each returns input_required, and completes when the retry brings the answers. */
function registerInputTools(server: McpServer): void {
  const elicit = (message: string, requestedSchema: Record<string, unknown>) =>
    inputRequired.elicit({ message, requestedSchema: requestedSchema as any });
  // Asks for sampling: the SDK answers -32021 itself when the request's envelope does not declare it.
  server.registerTool("test_missing_capability", { description: "Needs sampling declared" }, async (ctx) => {
    if (responses(ctx).sample_request) return text("Success");
    const ask = { messages: [{ role: "user" as const, content: { type: "text" as const, text: "Say anything" } }], maxTokens: 10 };
    return inputRequired({ inputRequests: { sample_request: inputRequired.createMessage(ask) } });
  });
  // The server-stateless scenario's diagnostics: a response stream that carries only the incomplete result
  // (never a request of the server's own), and a log line the SDK drops when the request set no logLevel.
  server.registerTool("test_streaming_elicitation", { description: "Asks for a confirmation" }, async (ctx) => {
    if (responses(ctx).confirm) return text("confirmed");
    return inputRequired({ inputRequests: { confirm: elicit("Please confirm", confirmSchema) } });
  });
  server.registerTool("test_logging_tool", { description: "Logs one line at info" }, async (ctx) => {
    await ctx.mcpReq.log("info", "a log line only a request with a logLevel receives");
    return text("logged");
  });
  server.registerTool("test_input_required_result_elicitation", { description: "Asks for a name" }, async (ctx) => {
    const answer = acceptedContent(ctx.mcpReq.inputResponses, "user_name");
    if (typeof answer?.name === "string") return text(`Hello, ${answer.name}!`);
    return inputRequired({ inputRequests: { user_name: elicit("What is your name?", nameSchema) } });
  });
  server.registerTool("test_input_required_result_sampling", { description: "Asks for a completion" }, async (ctx) => {
    const answer = responses(ctx).capital_question;
    if (answer) return text(`Sampling result: ${sampledText(answer)}`);
    const ask = {
      messages: [{ role: "user" as const, content: { type: "text" as const, text: "What is the capital of France?" } }],
      maxTokens: 100,
    };
    return inputRequired({ inputRequests: { capital_question: inputRequired.createMessage(ask) } });
  });
  server.registerTool("test_input_required_result_list_roots", { description: "Asks for the client's roots" }, async (ctx) => {
    const answer = responses(ctx).client_roots;
    if (answer) return text(`Found ${Array.isArray(answer.roots) ? answer.roots.length : 0} root(s)`);
    return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
  });
  server.registerTool("test_input_required_result_request_state", { description: "Round-trips its requestState" }, async (ctx) => {
    const state = ctx.mcpReq.requestState<Record<string, unknown>>();
    if (state?.kind === "request-state" && acceptedContent(ctx.mcpReq.inputResponses, "confirm")?.ok === true)
      return text("state-ok: requestState validated");
    return inputRequired({
      inputRequests: { confirm: elicit("Please confirm", confirmSchema) },
      requestState: await stateCodec.mint({ kind: "request-state" }),
    });
  });
  server.registerTool("test_input_required_result_multiple_inputs", { description: "Asks for three inputs at once" }, async (ctx) => {
    const got = responses(ctx);
    if (got.user_name && got.greeting && got.client_roots) {
      const name = acceptedContent(got, "user_name")?.name ?? "unknown";
      return text(`Name: ${name}; Greeting: ${sampledText(got.greeting)}; Roots: ${got.client_roots.roots?.length ?? 0}`);
    }
    const greeting = {
      messages: [{ role: "user" as const, content: { type: "text" as const, text: "Generate a greeting" } }],
      maxTokens: 50,
    };
    return inputRequired({
      inputRequests: {
        user_name: elicit("What is your name?", nameSchema),
        greeting: inputRequired.createMessage(greeting),
        client_roots: inputRequired.listRoots(),
      },
      requestState: await stateCodec.mint({ kind: "multiple-inputs" }),
    });
  });
  server.registerTool("test_input_required_result_multi_round", { description: "Asks twice, one after the other" }, async (ctx) => {
    const state = ctx.mcpReq.requestState<Record<string, unknown>>();
    const step1 = acceptedContent(ctx.mcpReq.inputResponses, "step1");
    const step2 = acceptedContent(ctx.mcpReq.inputResponses, "step2");
    if (state?.round === 2 && step2) return text(`Multi-round complete for ${state.name} who likes ${step2.color}`);
    if (state?.round === 1 && step1)
      return inputRequired({
        inputRequests: {
          step2: elicit("Step 2: What is your favorite color?", {
            type: "object",
            properties: { color: { type: "string" } },
            required: ["color"],
          }),
        },
        requestState: await stateCodec.mint({ round: 2, name: step1.name }),
      });
    return inputRequired({
      inputRequests: { step1: elicit("Step 1: What is your name?", nameSchema) },
      requestState: await stateCodec.mint({ round: 1 }),
    });
  });
  server.registerTool("test_input_required_result_tampered_state", { description: "Signs its requestState" }, async (ctx) => {
    if (ctx.mcpReq.requestState<Record<string, unknown>>()?.kind === "tamper-test" && responses(ctx).confirm)
      return text("integrity-ok: state verified");
    return inputRequired({
      inputRequests: { confirm: elicit("Please confirm", confirmSchema) },
      requestState: await stateCodec.mint({ kind: "tamper-test" }),
    });
  });
  server.registerTool("test_input_required_result_capabilities", { description: "Asks only for what the client declared" }, async (ctx) => {
    const got = Object.keys(responses(ctx));
    if (got.length > 0) return text(`capabilities-ok: received ${got.join(",")}`);
    const inputRequests: Record<string, ReturnType<typeof inputRequired.listRoots>> = {};
    if (declared(ctx).elicitation)
      inputRequests.elicit_input = elicit("Elicitation input", {
        type: "object",
        properties: { value: { type: "string" } },
        required: ["value"],
      });
    if (declared(ctx).sampling)
      inputRequests.sample_input = inputRequired.createMessage({
        messages: [{ role: "user", content: { type: "text", text: "Sample request" } }],
        maxTokens: 50,
      });
    if (Object.keys(inputRequests).length === 0) return text("No supported capabilities declared");
    return inputRequired({ inputRequests, requestState: await stateCodec.mint({ kind: "capabilities-test" }) });
  });
  // The 2025-11-25 scenarios' sampling and elicitation tools: input_required here, which the station walks
  // through with a legacy client as requests on its stream.
  server.registerTool(
    "test_sampling",
    { description: "Asks for a completion", inputSchema: { prompt: z.string() } },
    async ({ prompt }, ctx) => {
      const answer = responses(ctx).completion;
      if (answer) return text(`LLM response: ${sampledText(answer)}`);
      const ask = { messages: [{ role: "user" as const, content: { type: "text" as const, text: prompt } }], maxTokens: 100 };
      return inputRequired({ inputRequests: { completion: inputRequired.createMessage(ask) } });
    },
  );
  const elicitTool = (name: string, message: string, schema: Record<string, unknown>, done: string) =>
    server.registerTool(name, { description: message, inputSchema: { message: z.string().optional() } }, async (args, ctx) => {
      const answer = responses(ctx).input;
      if (answer) return text(`${done}: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`);
      return inputRequired({ inputRequests: { input: elicit(args.message ?? message, schema) } });
    });
  elicitTool(
    "test_elicitation",
    "Please respond",
    { type: "object", properties: { response: { type: "string", description: "User's response" } }, required: ["response"] },
    "User response",
  );
  elicitTool(
    "test_elicitation_sep1034_defaults",
    "Please review and update the form fields with defaults",
    SEP1034_SCHEMA,
    "Elicitation completed",
  );
  elicitTool("test_elicitation_sep1330_enums", "Please select options from the enum fields", SEP1330_SCHEMA, "Elicitation completed");
}

/** SEP-1034: a default for every primitive type. */
const SEP1034_SCHEMA = {
  type: "object",
  properties: {
    name: { type: "string", description: "User name", default: "John Doe" },
    age: { type: "integer", description: "User age", default: 30 },
    score: { type: "number", description: "User score", default: 95.5 },
    status: { type: "string", description: "User status", enum: ["active", "inactive", "pending"], default: "active" },
    verified: { type: "boolean", description: "Verification status", default: true },
  },
  required: [],
};

/** SEP-1330: the five enum forms. */
const SEP1330_SCHEMA = {
  type: "object",
  properties: {
    untitledSingle: { type: "string", description: "Select one option", enum: ["option1", "option2", "option3"] },
    titledSingle: {
      type: "string",
      description: "Select one option with titles",
      oneOf: [
        { const: "value1", title: "First Option" },
        { const: "value2", title: "Second Option" },
        { const: "value3", title: "Third Option" },
      ],
    },
    legacyEnum: {
      type: "string",
      description: "Select one option (legacy)",
      enum: ["opt1", "opt2", "opt3"],
      enumNames: ["Option One", "Option Two", "Option Three"],
    },
    untitledMulti: {
      type: "array",
      description: "Select multiple options",
      minItems: 1,
      maxItems: 3,
      items: { type: "string", enum: ["option1", "option2", "option3"] },
    },
    titledMulti: {
      type: "array",
      description: "Select multiple options with titles",
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: "value1", title: "First Choice" },
          { const: "value2", title: "Second Choice" },
          { const: "value3", title: "Third Choice" },
        ],
      },
    },
  },
  required: [],
};

function registerResources(server: McpServer): void {
  const fixed = (name: string, uri: string, mimeType: string, body: { text: string } | { blob: string }) =>
    server.registerResource(name, uri, { description: `${name} for testing`, mimeType }, async () => ({
      contents: [{ uri, mimeType, ...body }],
    }));
  fixed("static-text", "test://static-text", "text/plain", { text: "This is the content of the static text resource." });
  fixed("static-binary", "test://static-binary", "image/png", { blob: PNG });
  fixed("watched-resource", "test://watched-resource", "text/plain", { text: "Watched resource content" });
  server.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    { description: "A resource template with parameter substitution", mimeType: "application/json" },
    async (uri, { id }) => ({
      contents: [
        { uri: uri.toString(), mimeType: "application/json", text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) },
      ],
    }),
  );
}

function registerPrompts(server: McpServer): void {
  const user = (content: Record<string, unknown>) => ({ role: "user" as const, content: content as any });
  server.registerPrompt("test_simple_prompt", { description: "A simple prompt without arguments" }, async () => ({
    messages: [user({ type: "text", text: "This is a simple prompt for testing." })],
  }));
  server.registerPrompt(
    "test_prompt_with_arguments",
    {
      description: "A prompt with required arguments",
      argsSchema: z.object({
        arg1: completable(z.string().describe("First test argument"), (value) =>
          ["paris", "park", "party"].filter((v) => v.startsWith(value)),
        ),
        arg2: z.string().describe("Second test argument"),
      }),
    },
    async ({ arg1, arg2 }) => ({ messages: [user({ type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` })] }),
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    { description: "A prompt that includes an embedded resource", argsSchema: z.object({ resourceUri: z.string() }) },
    async ({ resourceUri }) => ({
      messages: [
        user({ type: "resource", resource: { uri: resourceUri, mimeType: "text/plain", text: "Embedded resource content for testing." } }),
        user({ type: "text", text: "Please process the embedded resource above." }),
      ],
    }),
  );
  server.registerPrompt("test_prompt_with_image", { description: "A prompt that includes image content" }, async () => ({
    messages: [user({ type: "image", data: PNG, mimeType: "image/png" }), user({ type: "text", text: "Please analyze the image above." })],
  }));
  server.registerPrompt("test_input_required_result_prompt", { description: "A prompt that asks for its context" }, async (ctx) => {
    const context = acceptedContent(ctx.mcpReq.inputResponses, "user_context")?.context;
    if (typeof context === "string") return { messages: [user({ type: "text", text: `Prompt with context: ${context}` })] };
    return inputRequired({
      inputRequests: {
        user_context: inputRequired.elicit({
          message: "What context should the prompt use?",
          requestedSchema: { type: "object", properties: { context: { type: "string" } }, required: ["context"] },
        }),
      },
    }) as any;
  });
}

serveStdio(createServer);
