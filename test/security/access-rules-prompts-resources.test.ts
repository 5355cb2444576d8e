/**
 * Access rules on prompts and resources, against server-everything on every
 * channel (as access-rules.test.ts does for tools): a tenant's prompts/list,
 * resources/list and resources/templates/list hold only what the rules give
 * it; prompts/get, resources/read, resources/subscribe and completion/complete
 * of anything else are refused with access_denied (-32017), through
 * /mcp/request, the WebSocket, /sessions/{id}/mcp and /servers/{name}/mcp
 * (legacy clients and 2026-07-28 requests), and a group; updates of a resource
 * the caller may not read do not reach its WebSocket, its listen, its legacy
 * MCP client's streams or its reading of the session's events. A rule
 * without `prompts` or `resources` gives every one, as before.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { RpcCode } from "../../src/errors.ts";
import { EVERYTHING_ARGS, EVERYTHING_ENTRY } from "../setup/paths.ts";
import { modernHeaders, modernMeta, post } from "../live/mcp-http.ts";
import { type SseEvent, SseReader, openSocket } from "../live/support.ts";
import { ADMIN_KEY, KEY_A, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";

const DOC = "demo://resource/static/document/";
/** server-everything's prompts and its static documents (its docs folder), all of them. */
const ALL_PROMPTS = ["args-prompt", "completable-prompt", "resource-prompt", "simple-prompt"];
const ALL_DOCS = ["architecture.md", "extension.md", "features.md", "how-it-works.md", "instructions.md", "startup.md", "structure.md"];
const ALL_TEMPLATES = ["demo://resource/dynamic/blob/{resourceId}", "demo://resource/dynamic/text/{resourceId}"];
/** What team a may use: every prompt but resource-prompt (it embeds any resource it is asked for), the static documents but instructions.md. */
const A_PROMPTS = ["args-prompt", "completable-prompt", "simple-prompt"];
const A_DOCS = ALL_DOCS.filter((doc) => doc !== "instructions.md");

const REGISTRY = {
  mcpServers: { everything: { command: "node", args: [EVERYTHING_ENTRY, ...EVERYTHING_ARGS] } },
  mcpGroups: { docs: { members: ["everything"] } },
  access: {
    rules: [
      {
        tenants: ["a"],
        servers: ["everything"],
        tools: { allow: ["echo"] },
        prompts: { deny: ["resource-prompt"] },
        resources: { allow: [`${DOC}*`], deny: ["*/instructions.md"] },
      },
      // The group's own rule, on its own names: one prompt fewer than its member gives.
      { tenants: ["a"], servers: ["docs"], prompts: { deny: ["simple-prompt"] } },
      // No prompts or resources: every one, as a rule of tools only always meant.
      { admin: true, servers: ["*"] },
    ],
  },
};

let station: LoggedStation;
let sessionOfA: string;

beforeAll(async () => {
  const dir = `${Bun.env.TMPDIR ?? "/tmp"}/access-items-${process.pid}`;
  await Bun.write(`${dir}/servers.json`, JSON.stringify(REGISTRY));
  station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_SERVERS_FILE: `${dir}/servers.json` });
  const created = await station.call("POST", "/sessions", { server: "everything" }, station.as(KEY_A));
  expect(created.status).toBe(200);
  sessionOfA = created.body.session_id;
});

afterAll(async () => {
  await station?.stop();
});

const sorted = (items: Record<string, unknown>[], key: string) => items.map((item) => String(item[key])).sort();
const docs = (resources: { uri: string }[]) => resources.map((r) => r.uri.slice(DOC.length)).sort();

/** One request through /mcp/request on `session` as the holder of `key`. */
const rest = (key: string, method: string, params: Record<string, unknown> = {}, session = sessionOfA) =>
  station.call("POST", "/mcp/request", { session_id: session, method, params }, station.as(key));

const denial = (what: "prompt" | "resource", name: string, server = "everything") => ({
  code: RpcCode.AccessDenied,
  message: `${what} ${JSON.stringify(name)} of ${server} is not allowed for tenant a by the access rules`,
  data: { type: "access_denied", [what]: name, server },
});

describe("a rule without prompts or resources", () => {
  test("gives every prompt, resource and template: the admin's rule names servers only", async () => {
    expect(sorted((await rest(ADMIN_KEY, "prompts/list")).body.data.prompts, "name")).toEqual(ALL_PROMPTS);
    expect(docs((await rest(ADMIN_KEY, "resources/list")).body.data.resources)).toEqual(ALL_DOCS);
    expect(sorted((await rest(ADMIN_KEY, "resources/templates/list")).body.data.resourceTemplates, "uriTemplate")).toEqual(ALL_TEMPLATES);
    const read = await rest(ADMIN_KEY, "resources/read", { uri: `${DOC}instructions.md` });
    expect(read.body.data.contents[0].uri).toBe(`${DOC}instructions.md`);
    const got = await rest(ADMIN_KEY, "prompts/get", { name: "resource-prompt", arguments: { resourceType: "Text", resourceId: "1" } });
    expect(got.body.success).toBe(true);
  });
});

describe("/mcp/request", () => {
  test("prompts/list holds the allowed prompts; prompts/get of a denied one is 403 access_denied, of an allowed one works", async () => {
    expect(sorted((await rest(KEY_A, "prompts/list")).body.data.prompts, "name")).toEqual(A_PROMPTS);
    const denied = await rest(KEY_A, "prompts/get", { name: "resource-prompt", arguments: { resourceType: "Text", resourceId: "1" } });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject(denial("prompt", "resource-prompt"));
    const simple = await rest(KEY_A, "prompts/get", { name: "simple-prompt" });
    expect(simple.body.data.messages.length).toBeGreaterThan(0);
  });

  test("resources/list by URI; templates every URI of which is denied are left out; reads and subscribes of a denied URI are 403", async () => {
    expect(docs((await rest(KEY_A, "resources/list")).body.data.resources)).toEqual(A_DOCS);
    // Both templates are under demo://resource/dynamic/, where team a may read nothing.
    expect((await rest(KEY_A, "resources/templates/list")).body.data.resourceTemplates).toEqual([]);
    for (const uri of [`${DOC}instructions.md`, "demo://resource/dynamic/text/1"]) {
      const read = await rest(KEY_A, "resources/read", { uri });
      expect(read.status).toBe(403);
      expect(read.body.error).toMatchObject(denial("resource", uri));
      const subscribe = await rest(KEY_A, "resources/subscribe", { uri });
      expect(subscribe.status).toBe(403);
      expect(subscribe.body.error.data).toMatchObject({ type: "access_denied", resource: uri });
    }
    // The server would resolve the dot segments to a dynamic resource: the URI is checked as it would read it.
    const stepOut = `${DOC}../../dynamic/text/1`;
    expect((await rest(KEY_A, "resources/read", { uri: stepOut })).body.error).toMatchObject(denial("resource", stepOut));
    const read = await rest(KEY_A, "resources/read", { uri: `${DOC}features.md` });
    expect(read.body.data.contents[0].text.length).toBeGreaterThan(0);
  });

  test("completion/complete of a denied prompt or resource template is 403; of an allowed prompt it answers", async () => {
    const complete = (ref: Record<string, unknown>) => rest(KEY_A, "completion/complete", { ref, argument: { name: "x", value: "" } });
    const prompt = await complete({ type: "ref/prompt", name: "resource-prompt" });
    expect(prompt.status).toBe(403);
    expect(prompt.body.error).toMatchObject(denial("prompt", "resource-prompt"));
    const template = await complete({ type: "ref/resource", uri: ALL_TEMPLATES[1] });
    expect(template.status).toBe(403);
    expect(template.body.error).toMatchObject(denial("resource", ALL_TEMPLATES[1]));
    const allowed = await rest(KEY_A, "completion/complete", {
      ref: { type: "ref/prompt", name: "completable-prompt" },
      argument: { name: "department", value: "S" },
    });
    expect(allowed.body.data.completion.values).toEqual(["Sales", "Support"]);
  });
});

describe("the WebSocket", () => {
  test("the lists are filtered; a denied prompts/get, resources/read and completion are the JSON-RPC error -32017", async () => {
    const socket = await openSocket(`${station.url.replace("http", "ws")}/sessions/${sessionOfA}/ws`, { authorization: `Bearer ${KEY_A}` });
    socket.send({ jsonrpc: "2.0", id: 1, method: "prompts/list", params: {} });
    socket.send({ jsonrpc: "2.0", id: 2, method: "resources/list", params: {} });
    socket.send({ jsonrpc: "2.0", id: 3, method: "prompts/get", params: { name: "resource-prompt" } });
    socket.send({ jsonrpc: "2.0", id: 4, method: "resources/read", params: { uri: `${DOC}instructions.md` } });
    socket.send({
      jsonrpc: "2.0",
      id: 5,
      method: "completion/complete",
      params: { ref: { type: "ref/resource", uri: ALL_TEMPLATES[0] }, argument: { name: "resourceId", value: "" } },
    });
    socket.send({ jsonrpc: "2.0", id: 6, method: "resources/read", params: { uri: `${DOC}features.md` } });
    expect(sorted((await socket.next((m) => m.id === 1)).result.prompts, "name")).toEqual(A_PROMPTS);
    expect(docs((await socket.next((m) => m.id === 2)).result.resources)).toEqual(A_DOCS);
    expect((await socket.next((m) => m.id === 3)).error).toMatchObject(denial("prompt", "resource-prompt"));
    expect((await socket.next((m) => m.id === 4)).error).toMatchObject(denial("resource", `${DOC}instructions.md`));
    expect((await socket.next((m) => m.id === 5)).error).toMatchObject(denial("resource", ALL_TEMPLATES[0]));
    expect((await socket.next((m) => m.id === 6)).result.contents[0].uri).toBe(`${DOC}features.md`);
    socket.ws.close();
  });
});

describe("the MCP endpoints", () => {
  for (const path of ["/sessions/{id}/mcp", "/servers/everything/mcp"]) {
    test(`${path} with the official SDK client: the lists are filtered, a denied get, read or completion fails with -32017`, async () => {
      const url = new URL(station.url + path.replace("{id}", sessionOfA));
      const client = new Client({ name: "access-test", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${KEY_A}` } } }));
      expect(sorted((await client.listPrompts()).prompts, "name")).toEqual(A_PROMPTS);
      expect(docs((await client.listResources()).resources)).toEqual(A_DOCS);
      expect((await client.listResourceTemplates()).resourceTemplates).toEqual([]);
      await expect(
        client.getPrompt({ name: "resource-prompt", arguments: { resourceType: "Text", resourceId: "1" } }),
      ).rejects.toMatchObject({ code: RpcCode.AccessDenied });
      await expect(client.readResource({ uri: `${DOC}instructions.md` })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
      await expect(client.subscribeResource({ uri: `${DOC}instructions.md` })).rejects.toMatchObject({ code: RpcCode.AccessDenied });
      await expect(
        client.complete({ ref: { type: "ref/prompt", name: "resource-prompt" }, argument: { name: "resourceType", value: "" } }),
      ).rejects.toMatchObject({ code: RpcCode.AccessDenied });
      expect((await client.readResource({ uri: `${DOC}features.md` })).contents[0].uri).toBe(`${DOC}features.md`);
      await client.close();
    });

    test(`${path} with 2026-07-28 stateless requests: the lists are filtered, a denied prompts/get and resources/read are -32017`, async () => {
      const url = station.url + path.replace("{id}", sessionOfA);
      const modern = async (id: number, method: string, params: Record<string, unknown> = {}, name?: string) =>
        (await (
          await post(
            url,
            { jsonrpc: "2.0", id, method, params: { ...params, _meta: modernMeta() } },
            modernHeaders(method, name, { accept: "application/json", authorization: `Bearer ${KEY_A}` }),
          )
        ).json()) as any;
      expect(sorted((await modern(1, "prompts/list")).result.prompts, "name")).toEqual(A_PROMPTS);
      expect(docs((await modern(2, "resources/list")).result.resources)).toEqual(A_DOCS);
      expect((await modern(3, "resources/templates/list")).result.resourceTemplates).toEqual([]);
      expect((await modern(4, "prompts/get", { name: "resource-prompt" }, "resource-prompt")).error).toMatchObject(
        denial("prompt", "resource-prompt"),
      );
      const secret = `${DOC}instructions.md`;
      expect((await modern(5, "resources/read", { uri: secret }, secret)).error).toMatchObject(denial("resource", secret));
      const open = `${DOC}features.md`;
      expect((await modern(6, "resources/read", { uri: open }, open)).result.contents[0].uri).toBe(open);
    });
  }

  test("subscriptions/listen: a URI the caller may not read is not listened to for it (the acknowledgement says which are)", async () => {
    const res = await post(
      `${station.url}/sessions/${sessionOfA}/mcp`,
      {
        jsonrpc: "2.0",
        id: "listen-1",
        method: "subscriptions/listen",
        params: { notifications: { resourceSubscriptions: [`${DOC}instructions.md`, `${DOC}features.md`] }, _meta: modernMeta() },
      },
      modernHeaders("subscriptions/listen", undefined, { authorization: `Bearer ${KEY_A}` }),
    );
    const sse = new SseReader(res);
    const ack = JSON.parse((await sse.until((e) => e.data.includes("acknowledged"))).data);
    expect(ack.params.notifications).toEqual({ resourceSubscriptions: [`${DOC}features.md`] });
    await sse.cancel();
  });
});

describe("updates of a resource", () => {
  /** A new session of team a: the admin subscribes to instructions.md and features.md on it, in that order. */
  const sessionOfTeamA = async () => (await station.call("POST", "/sessions", { server: "everything" }, station.as(KEY_A))).body.session_id;
  /** The admin's subscriptions, then server-everything's updates: one of each at once, in the order subscribed, and again every 5 s. */
  const sendUpdates = async (id: string) => {
    for (const doc of ["instructions.md", "features.md"])
      expect((await rest(ADMIN_KEY, "resources/subscribe", { uri: `${DOC}${doc}` }, id)).body.success).toBe(true);
    expect((await rest(ADMIN_KEY, "tools/call", { name: "toggle-subscriber-updates", arguments: {} }, id)).body.success).toBe(true);
  };
  const updated = (doc: string) => (m: any) => m?.method === "notifications/resources/updated" && m.params?.uri === `${DOC}${doc}`;
  /** An SSE event of a legacy MCP stream (a message) or of the event stream (a session event around one) holding the update. */
  const sseUpdate = (doc: string) => (event: SseEvent) => {
    const body = event.data ? JSON.parse(event.data) : undefined;
    return updated(doc)(event.event === "notification" ? body.data : body);
  };

  test("another caller's subscription: its updates reach a WebSocket only for URIs that socket's caller may read", async () => {
    const id = await sessionOfTeamA();
    const ws = `${station.url.replace("http", "ws")}/sessions/${id}/ws`;
    const ofA = await openSocket(ws, { authorization: `Bearer ${KEY_A}` });
    const ofAdmin = await openSocket(ws, { authorization: `Bearer ${ADMIN_KEY}` });
    await sendUpdates(id);
    await ofAdmin.next(updated("instructions.md"));
    await ofAdmin.next(updated("features.md"));
    // One socket gets the session's notifications in their order: had instructions.md's gone to team a, it would be here by now.
    await ofA.next(updated("features.md"));
    expect(ofA.messages.filter(updated("instructions.md"))).toEqual([]);
    ofA.ws.close();
    ofAdmin.ws.close();
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(ADMIN_KEY));
  });

  test("a legacy MCP client's GET stream carries them only for URIs the caller that initialized it may read, live and on a resume", async () => {
    const id = await sessionOfTeamA();
    const url = `${station.url}/sessions/${id}/mcp`;
    /** A legacy client of `key`'s holder and its GET stream, whose first event (the priming one) names where a resume starts. */
    const legacyClient = async (key: string) => {
      const init = await post(
        url,
        {
          jsonrpc: "2.0",
          id: 0,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw", version: "1" } },
        },
        { authorization: `Bearer ${key}`, accept: "application/json" },
      );
      const headers = {
        authorization: `Bearer ${key}`,
        accept: "text/event-stream",
        "mcp-session-id": init.headers.get("mcp-session-id")!,
        "mcp-protocol-version": "2025-11-25",
      };
      const stream = new SseReader(await fetch(url, { headers }));
      const priming = (await stream.until((event) => event.id !== undefined && event.data === "")).id!;
      return { headers, stream, priming };
    };
    const ofA = await legacyClient(KEY_A);
    const ofAdmin = await legacyClient(ADMIN_KEY);
    await sendUpdates(id);
    await ofAdmin.stream.until(sseUpdate("instructions.md"));
    await ofAdmin.stream.until(sseUpdate("features.md"));
    // One stream carries the notifications in their order: had instructions.md's reached team a's, it would be here by now.
    await ofA.stream.until(sseUpdate("features.md"));
    expect(ofA.stream.events.filter(sseUpdate("instructions.md"))).toEqual([]);
    // A resume replays what the stream kept since its priming event: what it never carried is not there either.
    await ofA.stream.cancel();
    const resumed = new SseReader(await fetch(url, { headers: { ...ofA.headers, "last-event-id": ofA.priming } }));
    await resumed.until(sseUpdate("features.md"));
    expect(resumed.events.filter(sseUpdate("instructions.md"))).toEqual([]);
    await resumed.cancel();
    await ofAdmin.stream.cancel();
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(ADMIN_KEY));
  });

  test("the session's event stream carries them only for URIs its reader may read (the owner's team a; an admin, all), replayed and paged alike", async () => {
    const id = await sessionOfTeamA();
    const events = async (key: string) =>
      new SseReader(
        await fetch(`${station.url}/sessions/${id}/events`, { headers: { authorization: `Bearer ${key}`, accept: "text/event-stream" } }),
      );
    const ofA = await events(KEY_A);
    const ofAdmin = await events(ADMIN_KEY);
    await sendUpdates(id);
    await ofAdmin.until(sseUpdate("instructions.md"));
    await ofAdmin.until(sseUpdate("features.md"));
    await ofA.until(sseUpdate("features.md"));
    expect(ofA.events.filter(sseUpdate("instructions.md"))).toEqual([]);
    // Opened now, a stream replays the session's buffer from its start before it goes live: the same for what it replays.
    const replayed = await events(KEY_A);
    await replayed.until(sseUpdate("features.md"));
    expect(replayed.events.filter(sseUpdate("instructions.md"))).toEqual([]);
    // And the JSON page of the same path.
    const page = async (key: string) => {
      const body = (await station.call("GET", `/sessions/${id}/events`, undefined, station.as(key))).body;
      return body.events.map((event: any) => event.data).filter((m: any) => m?.method === "notifications/resources/updated");
    };
    expect((await page(KEY_A)).filter(updated("instructions.md"))).toEqual([]);
    expect((await page(KEY_A)).filter(updated("features.md")).length).toBeGreaterThan(0);
    expect((await page(ADMIN_KEY)).filter(updated("instructions.md")).length).toBeGreaterThan(0);
    for (const reader of [ofA, ofAdmin, replayed]) await reader.cancel();
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(ADMIN_KEY));
  });
});

describe("a group", () => {
  test("a member's rules apply on its own names and URIs through the group, the group's own rules on the group's names", async () => {
    const created = await station.call("POST", "/sessions", { server: "docs" }, station.as(KEY_A));
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    // simple-prompt: the group's rule; resource-prompt: the member's.
    expect(sorted((await rest(KEY_A, "prompts/list", {}, id)).body.data.prompts, "name")).toEqual(["args-prompt", "completable-prompt"]);
    expect(docs((await rest(KEY_A, "resources/list", {}, id)).body.data.resources)).toEqual(A_DOCS);
    expect((await rest(KEY_A, "resources/templates/list", {}, id)).body.data.resourceTemplates).toEqual([]);
    expect((await rest(KEY_A, "prompts/get", { name: "simple-prompt" }, id)).body.error).toMatchObject(
      denial("prompt", "simple-prompt", "docs"),
    );
    const byMember = await rest(
      KEY_A,
      "prompts/get",
      { name: "resource-prompt", arguments: { resourceType: "Text", resourceId: "1" } },
      id,
    );
    expect(byMember.status).toBe(403);
    expect(byMember.body.error).toMatchObject(denial("prompt", "resource-prompt"));
    const read = await rest(KEY_A, "resources/read", { uri: `${DOC}instructions.md` }, id);
    expect(read.status).toBe(403);
    expect(read.body.error).toMatchObject(denial("resource", `${DOC}instructions.md`));
    const template = await rest(
      KEY_A,
      "completion/complete",
      { ref: { type: "ref/resource", uri: ALL_TEMPLATES[1] }, argument: { name: "resourceId", value: "" } },
      id,
    );
    expect(template.body.error).toMatchObject(denial("resource", ALL_TEMPLATES[1]));
    expect((await rest(KEY_A, "prompts/get", { name: "args-prompt", arguments: { city: "Oslo" } }, id)).body.success).toBe(true);
    expect((await rest(KEY_A, "resources/read", { uri: `${DOC}features.md` }, id)).body.data.contents[0].uri).toBe(`${DOC}features.md`);
    // The admin's rules give the group everything of its member.
    expect(sorted((await rest(ADMIN_KEY, "prompts/list", {}, id)).body.data.prompts, "name")).toEqual(ALL_PROMPTS);
    expect(docs((await rest(ADMIN_KEY, "resources/list", {}, id)).body.data.resources)).toEqual(ALL_DOCS);
    expect(sorted((await rest(ADMIN_KEY, "resources/templates/list", {}, id)).body.data.resourceTemplates, "uriTemplate")).toEqual(
      ALL_TEMPLATES,
    );
    await station.call("DELETE", `/sessions/${id}`, undefined, station.as(KEY_A));
  });
});
