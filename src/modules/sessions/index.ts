/**
 * The seed's session API: create, list, inspect, delete; plus a session's
 * restart, its stderr log, its events, its history and its roots.
 *
 * @example
 *   curl -X POST localhost:20100/sessions -H 'content-type: application/json' \
 *     -d '{"server_type":"python","server_command":"/app/my_mcp_server.py"}'
 */
import { Elysia } from "elysia";
import { callerOf } from "../../plugins/auth.ts";
import type { SessionManager } from "../../sessions/manager.ts";
import type { SessionHistory } from "../../store/session-history.ts";
import { type EventStreamSettings, eventStream } from "../../http/event-stream.ts";
import { isWithheld } from "../../sessions/access-check.ts";
import { acceptsEventStream } from "../../http/sse.ts";
import { ErrorBody, SESSION_HEADER, SessionIdParams } from "../../http/shared-models.ts";
import {
  CreateSessionBody,
  EventPage,
  HistoryPage,
  HistoryQuery,
  LogPage,
  PageQuery,
  RootsBody,
  SessionInfo,
  SessionList,
} from "./model.ts";

export const sessionsModule = (
  manager: SessionManager,
  history: SessionHistory,
  live: EventStreamSettings = { keepAliveMs: 15_000, maxQueuedBytes: 4 * 1024 * 1024 },
) =>
  new Elysia({ prefix: "/sessions", tags: ["sessions"] })
    .post(
      "",
      async ({ body, request, set }) => {
        const info = (await manager.create(body, callerOf(request))).info();
        // The node that answers runs the session: a balancer stores this id against it (deploy/compose/haproxy.cfg).
        set.headers[SESSION_HEADER] = info.session_id;
        return info;
      },
      {
        body: CreateSessionBody,
        response: {
          200: SessionInfo,
          400: ErrorBody,
          401: ErrorBody,
          403: ErrorBody,
          422: ErrorBody,
          429: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
        detail: {
          summary: "Create a session",
          description:
            "Spawns the server, finds its protocol era and completes the MCP handshake. Answers once the server is running, or fails with its stderr. The answer names the session in the Mcp-Station-Session header, for a balancer to learn the node that runs it.",
        },
      },
    )
    .get(
      "",
      ({ request }) => {
        const sessions = manager.list(callerOf(request)).map((session) => session.info());
        return { sessions, count: sessions.length };
      },
      { response: { 200: SessionList }, detail: { summary: "List sessions" } },
    )
    .get("/:session_id", ({ params, request }) => manager.get(params.session_id, callerOf(request)).info(), {
      params: SessionIdParams,
      response: { 200: SessionInfo, 404: ErrorBody },
      detail: { summary: "Get a session" },
    })
    .delete("/:session_id", async ({ params, request }) => (await manager.delete(params.session_id, callerOf(request))).info(), {
      params: SessionIdParams,
      response: { 200: SessionInfo, 404: ErrorBody },
      detail: { summary: "Delete a session", description: "Closes stdin, then SIGTERM, then SIGKILL to the server's process group." },
    })
    .post("/:session_id/restart", async ({ params, request }) => (await manager.restart(params.session_id, callerOf(request))).info(), {
      params: SessionIdParams,
      response: { 200: SessionInfo, 400: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody },
      detail: {
        summary: "Restart a session's server",
        description:
          "Stops the server (stdin closed, then SIGTERM, then SIGKILL) and starts it again under the same session_id, whatever its restart policy. Answers once the new process runs. Requests arriving meanwhile wait for it; requests in flight on the old process fail with server_exited. `restarts` counts it. 409 session_not_running when no server runs; 400 for a group session.",
      },
    })
    .get(
      "/:session_id/logs",
      ({ params, query, request }) => {
        const session = manager.get(params.session_id, callerOf(request));
        return {
          session_id: session.id,
          lines: session.stderr?.tail(query.limit ?? 200, query.after ?? 0) ?? [],
          dropped: session.stderr?.dropped ?? 0,
        };
      },
      {
        params: SessionIdParams,
        query: PageQuery,
        response: { 200: LogPage, 404: ErrorBody },
        detail: { summary: "The server's stderr", description: "Newest lines of the bounded stderr log." },
      },
    )
    .get(
      "/:session_id/events",
      ({ params, query, request }) => {
        const caller = callerOf(request);
        const session = manager.get(params.session_id, caller);
        // The same path streams (SSE) for a reader that asks for it: issue "live channels".
        if (acceptsEventStream(request)) return eventStream(session, request, query.after, live, caller);
        // As the stream does: the updates of a resource the reader may not read are left out. Before the limit, so
        // that a page holds `limit` events when there are as many to show: a reader paging by the last id it got
        // never sees an empty page short of the end.
        const page = session.events.since(query.after ?? 0);
        const events = page.events.filter((event) => !isWithheld(session, event, caller)).slice(0, query.limit ?? 1000);
        return { session_id: session.id, events, dropped: page.dropped, last_id: page.lastId };
      },
      {
        params: SessionIdParams,
        query: PageQuery,
        response: { 200: EventPage, 404: ErrorBody },
        detail: {
          summary: "The session's events",
          description:
            "Server notifications and status changes, oldest first. With Accept: text/event-stream, a live SSE stream of them and of stderr lines, resumable with Last-Event-ID.",
        },
      },
    )
    .get(
      "/:session_id/history",
      ({ params, query, request }) => history.read(manager.get(params.session_id, callerOf(request)), query.limit),
      {
        params: SessionIdParams,
        query: HistoryQuery,
        response: { 200: HistoryPage, 404: ErrorBody },
        detail: {
          summary: "The session's history",
          description:
            "Status changes, exits (exit code, signal, stderr tail), restarts and their reasons, and health checks whose outcome changed, oldest first, across station restarts. The newest `limit` of the 100 a session keeps.",
        },
      },
    )
    .put(
      "/:session_id/roots",
      ({ params, body, request }) => {
        const session = manager.get(params.session_id, callerOf(request));
        session.setRoots(body.roots);
        return { roots: session.roots };
      },
      {
        params: SessionIdParams,
        body: RootsBody,
        response: { 200: RootsBody, 404: ErrorBody, 409: ErrorBody },
        detail: { summary: "Replace the session's roots", description: "Sends notifications/roots/list_changed to a legacy server." },
      },
    );
