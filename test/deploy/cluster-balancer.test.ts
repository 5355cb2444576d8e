/**
 * A real HAProxy with deploy/compose/haproxy.cfg in front of a real
 * three-node cluster (test/cluster/harness.ts). POST /sessions goes round
 * robin, so the sessions start on all three nodes; the balancer learns each
 * one's node from the Mcp-Station-Session header of the answer, and every
 * later request naming the session, by any route, is served by that node:
 * none of them is forwarded between nodes (the nodes' own
 * mcp_station_cluster_forwarded_requests_total says so). Then one node is
 * killed with SIGKILL: its sessions are adopted by the others and every
 * request for them still ends with the session's own answer through HAProxy;
 * the share of those served without a hop is printed (the table still names
 * the dead node, so they go by the hash, which agrees with the adoption only
 * by chance). Last the node comes back under its name: the table sends the
 * sessions it lost to it again, and it forwards them to their adopters, still
 * answered (docs/deployment.md says how to clear the table then).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Call, type ClusterNodeProcess, TestCluster, call, metric } from "../cluster/harness.ts";
import { type HaproxyProcess, startHaproxy } from "./haproxy-process.ts";
import { HAPROXY } from "./support.ts";

const FORWARDED = 'mcp_station_cluster_forwarded_requests_total{result="answered"}';
const SESSIONS = 60;
let cluster: TestCluster;
let haproxy: HaproxyProcess;
const front = { url: "" };
/** HAProxy's runtime socket, which the test adds to the shipped file (docs/deployment.md shows the line). */
const socketDir = mkdtempSync(join(tmpdir(), "haproxy-admin-"));
const ADMIN_SOCKET = join(socketDir, "admin.sock");

/** One command on HAProxy's runtime socket; its whole answer. */
async function runtime(command: string): Promise<string> {
  let answer = "";
  const { promise, resolve } = Promise.withResolvers<string>();
  await Bun.connect({
    unix: ADMIN_SOCKET,
    socket: {
      open(socket) {
        socket.write(`${command}\n`);
      },
      data(_, chunk) {
        answer += new TextDecoder().decode(chunk);
      },
      close() {
        resolve(answer);
      },
    },
  });
  return promise;
}
/** Each session with its token and the node that started it (the parent of its server process). */
const sessions: { id: string; token: string; node: string }[] = [];

async function forwarded(nodes: ClusterNodeProcess[]): Promise<number> {
  let sum = 0;
  for (const node of nodes) sum += await metric(node, FORWARDED);
  return sum;
}

const tokenOf = (res: Call) => res.body?.data?.content?.[0]?.text;
const TOKEN_CALL = { method: "tools/call", params: { name: "token", arguments: {} } };

/** The session's token by the three routes a client has: path form, header form, its MCP endpoint (after its initialize). */
async function everyRoute(session: { id: string; token: string }): Promise<string[]> {
  const answers: string[] = [];
  for (let i = 0; i < 3; i++) {
    answers.push(tokenOf(await call(front, "POST", `/sessions/${session.id}/request`, TOKEN_CALL)));
    const byHeader = await call(
      front,
      "POST",
      "/mcp/request",
      { session_id: session.id, ...TOKEN_CALL },
      { "mcp-station-session": session.id },
    );
    answers.push(tokenOf(byHeader));
  }
  const mcp = `/sessions/${session.id}/mcp`;
  // JSON only: the answer comes as one JSON body, not an event stream.
  const accept = { accept: "application/json" };
  const init = await call(
    front,
    "POST",
    mcp,
    {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "balancer-test", version: "1" } },
    },
    accept,
  );
  expect(init.status).toBe(200);
  const mcpSession = { ...accept, "mcp-session-id": init.headers.get("mcp-session-id")!, "mcp-protocol-version": "2025-06-18" };
  for (let i = 0; i < 2; i++) {
    const res = await call(
      front,
      "POST",
      mcp,
      { jsonrpc: "2.0", id: i + 2, method: "tools/call", params: { name: "token", arguments: {} } },
      mcpSession,
    );
    answers.push(res.body?.result?.content?.[0]?.text);
  }
  return answers;
}
const ANSWERS_PER_SESSION = 8;
/** The answers and the MCP initialize. */
const REQUESTS_PER_SESSION = ANSWERS_PER_SESSION + 1;

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

beforeAll(async () => {
  if (!HAPROXY) return;
  cluster = await TestCluster.start(3);
  haproxy = await startHaproxy(
    cluster.nodes.map((node) => Number(new URL(node.url).port)),
    (cfg) => cfg.replace("\nglobal\n", `\nglobal\n    stats socket ${ADMIN_SOCKET} mode 600 level admin\n`),
  );
  front.url = haproxy.url;
});

afterAll(async () => {
  await haproxy?.stop();
  await cluster?.teardown();
  rmSync(socketDir, { recursive: true, force: true });
});

describe.if(HAPROXY !== undefined)("HAProxy in front of a three-node cluster", () => {
  test("sessions created through the balancer start on every node, and the answer names the session in Mcp-Station-Session", async () => {
    for (let i = 0; i < SESSIONS; i++) {
      const token = crypto.randomUUID();
      const res = await call(front, "POST", "/sessions", {
        server_type: "command",
        server_command: "bash",
        server_args: [`${import.meta.dir}/../fixtures/session-lock.sh`],
        env_vars: { SESSION_TOKEN: token, LOCK_DIR: cluster.lockDir },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get("mcp-station-session")).toBe(res.body.session_id);
      sessions.push({ id: res.body.session_id, token, node: "" });
    }
    const running = cluster.runningServers();
    const nodeByPid = new Map(cluster.nodes.map((node) => [node.pid, node.nodeId]));
    for (const session of sessions) session.node = nodeByPid.get(parentOf(running.get(session.token)![0]!))!;
    const counts = Object.fromEntries(cluster.nodes.map((n) => [n.nodeId, sessions.filter((s) => s.node === n.nodeId).length]));
    console.log(`cluster-balancer: ${SESSIONS} sessions created through HAProxy: ${JSON.stringify(counts)}`);
    for (const node of cluster.nodes) expect(counts[node.nodeId]).toBeGreaterThan(0);
  });

  test("every request naming a session, by path, by header and on its MCP endpoint, is served by its node: none is forwarded", async () => {
    const before = await forwarded(cluster.nodes);
    for (const session of sessions) expect(await everyRoute(session)).toEqual(Array(ANSWERS_PER_SESSION).fill(session.token));
    const hops = (await forwarded(cluster.nodes)) - before;
    console.log(`cluster-balancer: ${SESSIONS * REQUESTS_PER_SESSION} requests through HAProxy, ${hops} forwarded between nodes`);
    expect(hops).toBe(0);
  });

  test("a node killed: its sessions answer through the balancer once adopted; the others stay served by their node", async () => {
    const victim = cluster.nodes[2]!;
    const survivors = cluster.nodes.slice(0, 2);
    const orphans = sessions.filter((s) => s.node === victim.nodeId);
    const kept = sessions.filter((s) => s.node !== victim.nodeId);
    victim.proc.kill("SIGKILL");
    await victim.proc.exited;
    // Each orphan answers with its own token once a survivor has adopted it; until then, 502/503 with a body.
    for (const session of orphans) {
      for (;;) {
        // On a connection of its own: HAProxy closes the client's connection after an error page of its own (a 503
        // while no server is up for the session), and a pooled socket it has just closed would be reset.
        const res = await call(front, "POST", `/sessions/${session.id}/request`, TOKEN_CALL, { connection: "close" });
        if (res.status === 200) {
          expect(tokenOf(res)).toBe(session.token);
          break;
        }
        expect([502, 503]).toContain(res.status);
        expect(res.body.error).toBeDefined();
        await Bun.sleep(100);
      }
    }
    const downBy = Date.now() + 15_000;
    while (!haproxy.log().includes("Server stations/station-3 is DOWN") && Date.now() < downBy) await Bun.sleep(100);
    expect(haproxy.log()).toContain("Server stations/station-3 is DOWN");

    let before = await forwarded(survivors);
    for (const session of kept) expect(await everyRoute(session)).toEqual(Array(ANSWERS_PER_SESSION).fill(session.token));
    expect((await forwarded(survivors)) - before).toBe(0);

    before = await forwarded(survivors);
    for (const session of orphans) expect(await everyRoute(session)).toEqual(Array(ANSWERS_PER_SESSION).fill(session.token));
    const hops = (await forwarded(survivors)) - before;
    const total = orphans.length * REQUESTS_PER_SESSION;
    console.log(
      `cluster-balancer: after the kill, ${orphans.length} adopted sessions: ${total - hops}/${total} requests served without a hop (${Math.round((100 * (total - hops)) / total)}%); ${kept.length} other sessions: all without`,
    );
    expect(cluster.doubles()).toEqual([]);
  });

  test("the node back under its name: every session still answers; the ones it lost come through it", async () => {
    // On its old port: HAProxy's station-3 is that address.
    const returned = await cluster.startNode("node-3", { MCP_STATION_PORT: new URL(cluster.nodes[2]!.url).port });
    cluster.nodes[2] = returned;
    const upBy = Date.now() + 20_000;
    while (!haproxy.log().includes("Server stations/station-3 is UP") && Date.now() < upBy) await Bun.sleep(100);
    expect(haproxy.log()).toContain("Server stations/station-3 is UP");
    const orphans = sessions.filter((s) => s.node === "node-3");
    const before = await forwarded(cluster.nodes);
    for (const session of sessions) expect(await everyRoute(session)).toEqual(Array(ANSWERS_PER_SESSION).fill(session.token));
    const hops = (await forwarded(cluster.nodes)) - before;
    console.log(
      `cluster-balancer: node-3 back: ${hops}/${sessions.length * REQUESTS_PER_SESSION} requests forwarded, all to ${orphans.length} sessions it lost (${orphans.length * REQUESTS_PER_SESSION} requests)`,
    );
    expect(hops).toBeLessThanOrEqual(orphans.length * REQUESTS_PER_SESSION);
    expect(cluster.doubles()).toEqual([]);
  });

  test("clearing the returned node's entries (docs/deployment.md): the sessions it lost go by the hash again", async () => {
    const entriesOf = async (serverId: number) =>
      (await runtime("show table stations")).split("\n").filter((line) => line.includes(`server_id=${serverId}`)).length;
    expect(await entriesOf(3)).toBeGreaterThan(0);
    expect(await runtime("clear table stations data.server_id eq 3")).not.toContain("Unknown");
    expect(await entriesOf(3)).toBe(0);
    expect(await entriesOf(1)).toBeGreaterThan(0);
    const orphans = sessions.filter((s) => s.node === "node-3");
    const before = await forwarded(cluster.nodes);
    for (const session of orphans) expect(await everyRoute(session)).toEqual(Array(ANSWERS_PER_SESSION).fill(session.token));
    const hops = (await forwarded(cluster.nodes)) - before;
    const total = orphans.length * REQUESTS_PER_SESSION;
    console.log(
      `cluster-balancer: station-3's entries cleared: the ${orphans.length} sessions it lost, ${total - hops}/${total} requests served without a hop`,
    );
  });
});
