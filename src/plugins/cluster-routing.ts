/**
 * Cluster mode: every node accepts a request for any session. Before any
 * route looks a session up, this plugin finds where it runs (ClusterNode's
 * route): here, and the request goes on to its route; on another node, and
 * it is forwarded there once, its answer streamed back; nowhere for the
 * moment (its node died or left and it is being started elsewhere), and it
 * gets 503 with Retry-After, never 404, which would make an MCP client throw
 * its session away.
 *
 * The session id is in the path (`/sessions/{id}` and all under it: the path
 * form of MCP requests, the MCP endpoint, the event stream, the WebSocket,
 * which is relayed rather than forwarded) or in the body of
 * `POST /mcp/request` and `POST /live/tickets`, read from a copy so that the route still parses the
 * original. `GET /sessions` is asked of every live node and the lists merged.
 *
 * `/servers/{name}/mcp` names no session, but the ids it hands out do (src/http/session-scoped-id.ts): a
 * legacy client's Mcp-Session-Id, and the requestState of a 2026-07-28 retry. The sessions behind them are
 * ephemeral, never started again elsewhere: when their node is gone they are gone, and this node answers as
 * for any unknown id (404, or an expired requestState) instead of 503, so the client starts again at once.
 */
import { Elysia } from "elysia";
import type { ClusterNode, Route } from "../cluster/node.ts";
import { FROM_HEADER, LOCAL_ONLY_HEADER } from "../cluster/forwarder.ts";
import type { Server } from "bun";
import type { NodeRecord } from "../cluster/membership.ts";
import { UpstreamRefused, openUpstream, relayWebSocket } from "../cluster/websocket-relay.ts";
import { BadRequest, NodeFenced, NotOwner, OwnerUnreachable, RequestCancelled, SessionMoving, Unauthorized } from "../errors.ts";
import type { Logger } from "../log.ts";
import { sessionOfScopedId } from "../http/session-scoped-id.ts";
import { callerOf, pathOf } from "./auth.ts";

/** Paths a fenced node still answers: probes and the cluster's own view. */
const ALWAYS = new Set(["/healthz", "/readyz", "/metrics", "/cluster"]);

export function clusterRouting(node: ClusterNode, log: Logger) {
  const retryAfterS = String(Math.max(1, Math.ceil(node.intervalMs / 1000)));
  const moving = (id: string) => {
    const error = new SessionMoving(`session ${id} is moving to another node; retry shortly`, { session_id: id });
    error.headers = { "retry-after": retryAfterS };
    return error;
  };
  const fenced = () => {
    const error = new NodeFenced(`node ${node.nodeId} lost its cluster lease and answers again once it has rejoined`, {
      node_id: node.nodeId,
    });
    error.headers = { "retry-after": retryAfterS };
    return error;
  };

  const forward = async (request: Request, id: string, route: Extract<Route, { kind: "forward" }>, body: ArrayBuffer | undefined) => {
    const caller = callerOf(request);
    let target = route.node;
    for (let attempt = 0; ; attempt++) {
      const outcome = await node.forwarder.forward(request, target.advertise_url, body, caller);
      if (outcome.kind === "unreachable") {
        node.meters.forwarded("unreachable");
        await node.ownerUnreachable();
        throw moving(id);
      }
      if (outcome.kind === "failed" && request.signal.aborted) throw new RequestCancelled("the caller left before the owner answered");
      if (outcome.kind === "failed") {
        node.meters.forwarded("failed");
        log.warn("cluster: the owner failed during a forwarded request", { session_id: id, node_id: target.node_id, err: outcome.error });
        throw new OwnerUnreachable(`node ${target.node_id} failed while it served this request; it was not repeated`, {
          session_id: id,
          node_id: target.node_id,
        });
      }
      const response = outcome.response;
      if (response.status !== 421 || attempt > 0) {
        node.meters.forwarded("answered");
        return response;
      }
      // The owner moved on: look again past the cache, and try once more.
      await response.body?.cancel();
      node.meters.forwarded("not_owner_retried");
      await node.refresh(id);
      const again = await node.route(id, false);
      // Local now (adopted here meanwhile): the body is read already, so the caller asks again.
      if (again.kind !== "forward") throw again.kind === "fenced" ? fenced() : moving(id);
      target = again.node;
    }
  };

  const fanOut = async (request: Request) => {
    const caller = callerOf(request);
    const lists = await Promise.all(
      node.liveNodes().map(async (member) => {
        const outcome = await node.forwarder.forward(request, member.advertise_url, undefined, caller, { [LOCAL_ONLY_HEADER]: "1" });
        if (outcome.kind !== "answered" || !outcome.response.ok) {
          log.warn("cluster: a node did not list its sessions", { node_id: member.node_id });
          return [];
        }
        return ((await outcome.response.json()) as { sessions: unknown[] }).sessions;
      }),
    );
    const sessions = lists.flat();
    return Response.json({ sessions, count: sessions.length });
  };

  /** A WebSocket for a session another node runs, relayed to it (src/cluster/websocket-relay.ts). */
  const relay = async (request: Request, server: Server<unknown> | null, id: string, owner: NodeRecord) => {
    const url = new URL(request.url);
    const target = `${owner.advertise_url.replace(/^http/, "ws")}${url.pathname}${url.search}`;
    const protocols = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean);
    let upstream: WebSocket;
    try {
      upstream = await openUpstream(target, node.forwarder.headersFor(callerOf(request)), protocols, node.intervalMs * 5);
    } catch (error) {
      // The owner turned the ticket away (spent already, or expired on the way): the caller's answer, not a moving session.
      if (error instanceof UpstreamRefused && error.status === 401)
        throw new Unauthorized("the node that runs the session refused the WebSocket ticket: it was used already, or has expired");
      // Gone: the same answer as a forward to an owner that cannot be reached.
      node.meters.forwarded("unreachable");
      await node.ownerUnreachable();
      throw moving(id);
    }
    if (!server?.upgrade(request, { data: relayWebSocket(upstream) })) {
      upstream.close();
      throw new BadRequest("expected a WebSocket upgrade");
    }
    node.meters.forwarded("answered");
    // Elysia stops here: the socket is upgraded, and this answer is not sent.
    return new Response(null, { status: 101 });
  };

  return (
    new Elysia({ name: "cluster-routing" })
      // A new session is answered once its row is written: its id then finds it from every node.
      .onAfterHandle({ as: "global" }, async ({ request }) => {
        if (request.method === "POST" && pathOf(request.url) === "/sessions") await node.written();
      })
      .onRequest(async ({ request, server }) => {
        const path = pathOf(request.url);
        if (ALWAYS.has(path)) return;
        if (node.status !== "live") throw fenced();
        const forwarded = request.headers.has(FROM_HEADER) && node.forwarder.authentic(request.headers);
        if (path === "/sessions") {
          if (request.method !== "GET" || forwarded) return;
          return fanOut(request);
        }
        let id: string | undefined;
        let body: ArrayBuffer | undefined;
        /** Named by an id /servers/{name}/mcp handed out: its session cannot move, only end. */
        let ephemeral = false;
        if (path.startsWith("/sessions/")) {
          const end = path.indexOf("/", 10);
          id = decodeURIComponent(path.slice(10, end < 0 ? undefined : end));
        } else if ((path === "/mcp/request" || path === "/live/tickets") && request.method === "POST") {
          // A ticket is issued where the session runs, which checks that the caller may see it.
          body = await request.clone().arrayBuffer();
          id = sessionIdOf(body);
        } else if (isServerEndpoint(path)) {
          let scoped = request.headers.get("mcp-session-id");
          if (scoped === null && request.method === "POST") {
            body = await request.clone().arrayBuffer();
            scoped = requestStateOf(body);
          }
          id = sessionOfScopedId(scoped);
          ephemeral = true;
        }
        if (!id) return;
        const route = await node.route(id, forwarded);
        switch (route.kind) {
          case "local":
            return;
          case "moving":
            // Its node is gone, and the client's MCP session (or parked call) with it: answered here as unknown.
            if (ephemeral) return;
            throw moving(id);
          case "fenced":
            throw fenced();
          case "not_owner":
            throw new NotOwner(`node ${node.nodeId} does not own session ${id}`, { session_id: id, owner: route.owner });
        }
        if (request.headers.get("upgrade")?.toLowerCase() === "websocket") return relay(request, server, id, route.node);
        if (body === undefined && request.method !== "GET" && request.method !== "HEAD") body = await request.arrayBuffer();
        return forward(request, id, route, body);
      })
  );
}

/** `session_id` of a /mcp/request body; undefined for a body the route will refuse anyway. */
function sessionIdOf(body: ArrayBuffer): string | undefined {
  const parsed = jsonOf(new TextDecoder().decode(body)) as { session_id?: unknown } | undefined;
  return typeof parsed?.session_id === "string" ? parsed.session_id : undefined;
}

/** `/servers/{name}/mcp` (a name holds no slash). */
function isServerEndpoint(path: string): boolean {
  return path.startsWith("/servers/") && path.endsWith("/mcp") && path.indexOf("/", 9) === path.length - 4;
}

/** `params.requestState` of a JSON-RPC body: only a retry carries one, so most bodies are not parsed at all. */
function requestStateOf(body: ArrayBuffer): string | null {
  const text = new TextDecoder().decode(body);
  if (!text.includes('"requestState"')) return null;
  const parsed = jsonOf(text) as { params?: { requestState?: unknown } } | undefined;
  const state = parsed?.params?.requestState;
  return typeof state === "string" ? state : null;
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
