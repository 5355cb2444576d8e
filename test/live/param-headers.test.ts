/**
 * Mcp-Param-* headers through the station (2026-07-28, SEP-2243): a stdio
 * server never sees them, so the MCP endpoint checks a modern client's
 * tools/call against the tool's x-mcp-header declarations, which it lists
 * once per session and lists again when the server says its tools changed.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { modernCall } from "./mcp-http.ts";

let station: TestStation;
beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

async function endpoint(): Promise<string> {
  const created = await station.create({ server_command: fixture("param-headers.mjs") });
  expect(created.status).toBe(200);
  return `${station.url}/sessions/${created.body.session_id}/mcp`;
}

const HEADERS = { "Mcp-Param-Region": "us-west1", "Mcp-Param-Priority": "3", "Mcp-Param-Zone": "=?base64?IGIg?=" };
const ARGS = { region: "us-west1", priority: 3, target: { zone: " b " }, note: "anything" };

test("a call whose headers match its arguments reaches the server", async () => {
  const url = await endpoint();
  const answer = await modernCall(url, 1, "deploy", ARGS, HEADERS);
  expect(answer.status).toBe(200);
  const body = (await answer.json()) as any;
  expect(JSON.parse(body.result.content[0].text)).toEqual(ARGS);
});

test("a missing, different or malformed Mcp-Param header is 400 HeaderMismatch (-32020)", async () => {
  const url = await endpoint();
  const cases: [Record<string, string>, Record<string, unknown>, string][] = [
    [{ ...HEADERS, "Mcp-Param-Region": "eu-west1" }, ARGS, "Mcp-Param-Region header value 'eu-west1' does not match body value 'us-west1'"],
    [{ "Mcp-Param-Priority": "3", "Mcp-Param-Zone": "=?base64?IGIg?=" }, ARGS, "the Mcp-Param-Region header is missing"],
    [{ ...HEADERS, "Mcp-Param-Zone": "=?base64?IGIg!?=" }, ARGS, "the Mcp-Param-Zone header value is not valid"],
    [{ ...HEADERS, "Mcp-Param-DryRun": "true" }, ARGS, "the Mcp-Param-DryRun header is present but dry_run has no value in the body"],
  ];
  for (const [headers, args, message] of cases) {
    const answer = await modernCall(url, 2, "deploy", args, headers);
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as any;
    expect(body.error.code).toBe(-32020);
    expect(body.error.message).toContain(message);
  }
  // Tools without declarations, and unknown ones, are not the station's to check.
  expect((await modernCall(url, 3, "echo", { text: "x" }, { "Mcp-Param-Anything": "y" })).status).toBe(200);
});

test("after notifications/tools/list_changed the tool's new declarations apply", async () => {
  const url = await endpoint();
  expect((await modernCall(url, 1, "deploy", ARGS, HEADERS)).status).toBe(200);
  expect((await modernCall(url, 2, "rename_header", { name: "Location" })).status).toBe(200);
  const old = await modernCall(url, 3, "deploy", ARGS, HEADERS);
  expect(old.status).toBe(400);
  expect(((await old.json()) as any).error.message).toContain("Mcp-Param-Location header is missing");
  const renamed = { ...HEADERS, "Mcp-Param-Location": "us-west1" };
  expect((await modernCall(url, 4, "deploy", ARGS, renamed)).status).toBe(200);
});
