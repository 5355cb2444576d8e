/**
 * deploy/compose/haproxy.cfg, run: a real HAProxy with the deployed hashing
 * rules, in front of three stations on loopback ports. Every request that
 * names a session (in the path, or in the Mcp-Station-Session header) reaches
 * one backend, whichever route it takes; the sessions spread over all three;
 * when one backend is killed, only its own sessions move, and while HAProxy
 * has not yet noticed, their requests are redispatched to a live station, not
 * answered by HAProxy. A legacy MCP client of /servers/{name}/mcp, whose MCP
 * session lives on the node that answered its initialize, is sent back there.
 *
 * The stations here are plain single stations and the ids exist nowhere, so
 * the stick table knows none of them and this measures the hash; the stick
 * table learning each session's node, and the share of requests a cluster
 * serves without a hop, are tested in cluster-balancer.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { FROM_SOURCE, type StationProcess, spawnStation } from "../support/station-process.ts";
import { type HaproxyProcess, startHaproxy } from "./haproxy-process.ts";
import { HAPROXY } from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-balancer-"));
const registry = join(dir, "servers.json");
const stations: StationProcess[] = [];
let haproxy: HaproxyProcess | undefined;
let front = "";
/** Station name (station-1…3) by the prefix of the request ids it gives out. */
const byPrefix = new Map<string, string>();

/** Which station answered: HAProxy's own answers carry no request id. */
function servedBy(res: Response): string | undefined {
  const prefix = res.headers.get("x-request-id")?.split("-")[0];
  return prefix === undefined ? undefined : byPrefix.get(prefix);
}

beforeAll(async () => {
  if (!HAPROXY) return;
  writeFileSync(registry, JSON.stringify({ mcpServers: { echo: { command: "node", args: [fixture("echo.mjs")] } } }));
  for (let i = 1; i <= 3; i++) {
    const station = await spawnStation(FROM_SOURCE, { MCP_STATION_SERVERS_FILE: registry });
    stations.push(station);
    const res = await fetch(`${station.url}/healthz`);
    byPrefix.set(res.headers.get("x-request-id")!.split("-")[0], `station-${i}`);
  }
  haproxy = await startHaproxy(stations.map((s) => Number(new URL(s.url).port)));
  front = haproxy.url;
});

afterAll(async () => {
  await haproxy?.stop();
  for (const s of stations) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

const ids = Array.from({ length: 120 }, () => crypto.randomUUID());

/** The routes a client uses for one session: each answer's station (404s here: the sessions exist nowhere). */
async function routesOf(id: string): Promise<(string | undefined)[]> {
  const json = { "content-type": "application/json" };
  const answers = await Promise.all([
    fetch(`${front}/sessions/${id}/request`, { method: "POST", headers: json, body: '{"method":"tools/list"}' }),
    fetch(`${front}/sessions/${id}`),
    fetch(`${front}/sessions/${id}/history`),
    fetch(`${front}/mcp/request`, {
      method: "POST",
      headers: { ...json, "mcp-station-session": id },
      body: JSON.stringify({ session_id: id, method: "tools/list" }),
    }),
  ]);
  for (const res of answers) await res.arrayBuffer();
  return answers.map(servedBy);
}

describe.if(HAPROXY !== undefined)("HAProxy with the deployed hashing rules", () => {
  const placed = new Map<string, string>();

  test("every route naming a session reaches one station, and the sessions spread over all three", async () => {
    for (const id of ids) {
      const served = await routesOf(id);
      expect(served[0]).toBeDefined();
      expect(new Set(served)).toEqual(new Set([served[0]]));
      placed.set(id, served[0]!);
    }
    const counts = new Map<string, number>();
    for (const station of placed.values()) counts.set(station, (counts.get(station) ?? 0) + 1);
    console.log(`balancer: ${ids.length} session ids over the stations: ${JSON.stringify(Object.fromEntries(counts))}`);
    expect([...counts.keys()].sort()).toEqual(["station-1", "station-2", "station-3"]);
  });

  test("a legacy client of /servers/{name}/mcp: initializes land round robin, each client's later requests on its own node", async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${front}/servers/echo/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify(body),
      });
    const clients: { id: string; station: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const init = await post({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: `legacy-${i}`, version: "1" } },
      });
      await init.arrayBuffer();
      expect(init.status).toBe(200);
      clients.push({ id: init.headers.get("mcp-session-id")!, station: servedBy(init)! });
    }
    expect(new Set(clients.map((c) => c.station)).size).toBeGreaterThan(1);
    for (const client of clients) {
      const session = { "mcp-session-id": client.id, "mcp-protocol-version": "2025-06-18" };
      (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).body?.cancel();
      for (let call = 0; call < 5; call++) {
        const res = await post(
          { jsonrpc: "2.0", id: call + 2, method: "tools/call", params: { name: "echo", arguments: { text: client.id } } },
          session,
        );
        const text = await res.text();
        expect(res.status).toBe(200);
        expect(servedBy(res)).toBe(client.station);
        expect(text).toContain(client.id);
      }
    }
  });

  test("a station killed: its sessions answer from the others at once; every other session stays where it was", async () => {
    expect(await stations[2].stop("SIGKILL")).not.toBe(0);
    // Before HAProxy's checks find station-3 down, a refused connection is redispatched to a live station.
    for (const id of ids) {
      const served = await routesOf(id);
      for (const station of served) expect(["station-1", "station-2"]).toContain(station!);
      if (placed.get(id) !== "station-3") expect(new Set(served)).toEqual(new Set([placed.get(id)]));
    }
    // Once they have: station-3's sessions hash to one station each, and the others' still to theirs.
    expect(await eventually(() => haproxy!.log().includes("Server stations/station-3 is DOWN"), 15_000)).toBe(true);
    const moved = new Map<string, number>();
    for (const id of ids) {
      const served = await routesOf(id);
      expect(new Set(served).size).toBe(1);
      if (placed.get(id) === "station-3") moved.set(served[0]!, (moved.get(served[0]!) ?? 0) + 1);
      else expect(served[0]).toBe(placed.get(id)!);
    }
    console.log(`balancer: station-3's sessions moved to ${JSON.stringify(Object.fromEntries(moved))}`);
  });
});
