/**
 * A group's calls under the station's limits (docs/groups.md, Change): the in-flight limit applies to the
 * group's callers as a whole, and a caller that hangs up withdraws its call from the member, which is sent
 * notifications/cancelled.
 */
import { type RegistryFile, writeRegistry } from "../../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { fixture } from "../../setup/paths.ts";
import { eventually } from "../../support/processes.ts";
import { type TestStation, startStation } from "../../support/station.ts";

let registry: RegistryFile;
let station: TestStation;

beforeAll(async () => {
  registry = writeRegistry({
    mcpServers: { a: { command: fixture("echo.mjs") }, b: { command: fixture("echo.mjs") } },
    mcpGroups: { ab: { members: ["a", "b"] } },
  });
  const serversFile = registry.file;
  station = await startStation({ MCP_STATION_SERVERS_FILE: serversFile, MCP_STATION_MAX_IN_FLIGHT_PER_SESSION: "1" });
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

describe("a group's calls under the limits", () => {
  test("the in-flight limit counts the group's callers together, whichever member they call", async () => {
    const id = (await station.create({ server: "ab" })).body.session_id;
    const slow = station.mcp(id, "tools/call", { name: "slow", arguments: { ms: 800 } });
    await eventually(async () => (await station.call("GET", `/sessions/${id}`)).body.in_flight === 1);
    // Another member, but the same group: refused with 429 and Retry-After.
    const refused = await station.call("POST", "/mcp/request", {
      session_id: id,
      method: "tools/call",
      params: { name: "b__echo", arguments: { text: "x" } },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.data).toMatchObject({ type: "too_many_requests", session_id: id, max_in_flight: 1 });
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await slow).body.data.content[0].text).toBe("slept 800");
    expect((await station.mcp(id, "tools/call", { name: "b__echo", arguments: { text: "after" } })).body.data.content[0].text).toBe(
      "after",
    );
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a caller that hangs up withdraws its call: the member is sent notifications/cancelled", async () => {
    const created = (await station.create({ server: "ab" })).body;
    const id = created.session_id;
    const member = created.group.members.find((m: { name: string }) => m.name === "b").session_id;
    const controller = new AbortController();
    const call = fetch(`${station.url}/mcp/request`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ session_id: id, method: "tools/call", params: { name: "b__slow", arguments: { ms: 10_000 } } }),
      signal: controller.signal,
    }).catch((error: Error) => error);
    await eventually(async () => (await station.call("GET", `/sessions/${member}`)).body.in_flight === 1);
    controller.abort();
    expect(await call).toBeInstanceOf(Error);
    const cancelled = async () =>
      ((await station.call("GET", `/sessions/${member}/logs`)).body.lines as { text: string }[]).some((line) =>
        line.text.startsWith("cancelled"),
      );
    expect(await eventually(cancelled, 10_000)).toBe(true);
    expect(await eventually(async () => (await station.call("GET", `/sessions/${id}`)).body.in_flight === 0)).toBe(true);
    await station.call("DELETE", `/sessions/${id}`);
  });
});
