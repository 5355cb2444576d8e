/**
 * A legacy client's log level on a 2026-07-28 server. That revision has no
 * logging/setLevel: a server logs for a request only at the level its
 * envelope names. The station puts the legacy client's own level there (its
 * logging/setLevel, kept for that client alone), and every level until it
 * sets one, as a legacy server logs what it likes until then.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";
import { initializeLegacy, post } from "./mcp-http.ts";

let station: TestStation;
beforeAll(async () => {
  // A v2 SDK server slow to answer its probe would be made legacy by the initialize sent after the deadline.
  station = await startStation({ MCP_STATION_PROBE_TIMEOUT_MS: "15000" });
});
afterAll(() => station.stop());

test("a legacy client hears a modern server's log lines, at the level it set, and its level is its own", async () => {
  const created = await station.create({ server_command: fixture("modern-logging.mjs") });
  expect(created.body.era).toBe("modern");
  const url = `${station.url}/sessions/${created.body.session_id}/mcp`;
  const [quiet, chatty] = await Promise.all([initializeLegacy(url), initializeLegacy(url)]);
  const sid = { quiet: quiet.headers.get("mcp-session-id")!, chatty: chatty.headers.get("mcp-session-id")! };
  /** The log lines a tools/call's stream carried before its answer. */
  const logged = async (who: string, id: number, level: string) => {
    const call = { jsonrpc: "2.0", id, method: "tools/call", params: { name: "log", arguments: { text: `${level} line`, level } } };
    const stream = await (await post(url, call, { "mcp-session-id": who })).text();
    expect(stream).toContain('"text":"logged"');
    return [...stream.matchAll(/"method":"notifications\/message","params":(\{[^\n]*\})\}/g)].map((m) => JSON.parse(m[1]).data);
  };
  expect(await logged(sid.quiet, 1, "debug")).toEqual(["debug line"]);
  const setLevel = { jsonrpc: "2.0", id: 2, method: "logging/setLevel", params: { level: "error" } };
  expect(((await (await post(url, setLevel, { "mcp-session-id": sid.quiet, accept: "application/json" })).json()) as any).result).toEqual(
    {},
  );
  expect(await logged(sid.quiet, 3, "info")).toEqual([]);
  expect(await logged(sid.quiet, 4, "error")).toEqual(["error line"]);
  // The other client set no level: it still hears everything.
  expect(await logged(sid.chatty, 5, "info")).toEqual(["info line"]);
});
