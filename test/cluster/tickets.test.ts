/**
 * WebSocket tickets across a cluster of two real stations with API keys: a
 * ticket one node issued opens the session's socket through the other (the
 * upgrade checked there, relayed to the owner, spent where the socket opens);
 * its reuse is refused through either node with 401; a ticket asked for on
 * the node that does not run the session is issued by the one that does; an
 * expired ticket (signed with the cluster's key on a fake clock) is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { LiveTickets, TICKET_TTL_MS, ticketKey } from "../../src/security/live-tickets.ts";
import { fixture } from "../setup/paths.ts";
import { SECRET, TestCluster, call } from "./harness.ts";

const KEY = "cluster-tenant-a-0123456789";
const AS_A = { authorization: `Bearer ${KEY}` };

let cluster: TestCluster;
let sessionId: string;

beforeAll(async () => {
  cluster = await TestCluster.start(2, { leaseMs: 3_000, env: { MCP_STATION_API_KEYS: `a:${KEY}` } });
  const created = await call(cluster.nodes[0]!, "POST", "/sessions", { server_command: fixture("echo.mjs") }, AS_A);
  expect(created.status).toBe(200);
  sessionId = created.body.session_id;
});

afterAll(async () => {
  await cluster?.teardown();
});

const wsUrl = (node: { url: string }) => `${node.url.replace(/^http/, "ws")}/sessions/${sessionId}/ws`;

/** Opens the socket as a browser does (no header, the ticket as a subprotocol) and pings: "pong", or the HTTP status it was refused with. */
function attempt(node: { url: string }, subprotocol: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(node), ["mcp-station", subprotocol]);
    socket.onopen = () => {
      socket.onmessage = (event) => {
        const answer = JSON.parse(String(event.data));
        resolve(answer.id === 1 && answer.result ? `pong ${socket.protocol}` : `answer ${event.data}`);
        socket.close();
      };
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
    };
    socket.onerror = (event) => resolve(/Expected 101 status code: (\d+)/.exec((event as ErrorEvent).message)?.[1] ?? "error");
  });
}

const ticketFrom = async (node: { url: string }) => {
  const issued = await call(node, "POST", "/live/tickets", { session_id: sessionId }, AS_A);
  expect(issued.status).toBe(200);
  return issued.body.subprotocol as string;
};

describe("WebSocket tickets in a cluster", () => {
  test("a ticket the owner issued opens the socket through the other node, once", async () => {
    const [owner, other] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const ticket = await ticketFrom(owner);
    expect(await attempt(other, ticket)).toBe("pong mcp-station");
    // Spent on the owner, where the socket opened: refused through either node.
    expect(await attempt(other, ticket)).toBe("401");
    expect(await attempt(owner, ticket)).toBe("401");
  });

  test("a ticket asked for on the other node is issued for the owner, and opens the socket on either", async () => {
    const [owner, other] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
    const first = await ticketFrom(other);
    expect(await attempt(owner, first)).toBe("pong mcp-station");
    expect(await attempt(other, first)).toBe("401");
    const second = await ticketFrom(other);
    expect(await attempt(other, second)).toBe("pong mcp-station");
    expect(await attempt(owner, second)).toBe("401");
  });

  test("an expired ticket, signed with the cluster's key, is refused on every node; a made-up one too", async () => {
    // A ticket issued by a station with the cluster's key whose clock stands a ticket's life in the past.
    const past = new LiveTickets(() => Date.now() - TICKET_TTL_MS - 1_000, ticketKey(SECRET));
    const expired = past.issue({ tenant: "a", admin: false, via: "api_key" }, sessionId).subprotocol;
    const fresh = new LiveTickets(Date.now, ticketKey(SECRET)).issue({ tenant: "a", admin: false, via: "api_key" }, sessionId).subprotocol;
    const stranger = new LiveTickets(Date.now, ticketKey("not-this-clusters-secret")).issue(
      { tenant: "a", admin: false, via: "api_key" },
      sessionId,
    ).subprotocol;
    for (const node of cluster.nodes) {
      expect(await attempt(node, expired)).toBe("401");
      expect(await attempt(node, stranger)).toBe("401");
    }
    // The same key and clock, unexpired: admitted (so the refusals above are the expiry's and the key's).
    expect(await attempt(cluster.nodes[1]!, fresh)).toBe("pong mcp-station");
  });
});
