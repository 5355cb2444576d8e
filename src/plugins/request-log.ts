/**
 * One JSON line per HTTP request (request id, route, status, duration, and
 * for MCP calls the session, the MCP method and the outcome), the HTTP
 * metrics and, with tracing on, the request's span, from the same two
 * hooks. Registered first, so even requests the auth gate refuses are
 * timed, logged and traced. The request id is the caller's
 * `x-request-id` when it sends a sane one, else a fresh one; either way it
 * comes back in the `x-request-id` response header.
 *
 * @example
 *   {"time":"…","level":"info","msg":"request","request_id":"a1b2…","method":"POST","route":"/mcp/request",
 *    "status":200,"duration_ms":0.84,"session_id":"…","mcp_method":"tools/list","outcome":"ok"}
 */
import { Elysia } from "elysia";
import { StationError } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { StationMetrics } from "../metrics/station-metrics.ts";
import { endHttpSpan, startHttpSpan } from "../tracing/http-span.ts";
import type { Scope } from "../tracing/spans.ts";
import { asStationError } from "./errors.ts";

interface Timing {
  id: string;
  started: number;
  /** The request's span, while tracing is on (src/tracing/http-span.ts). */
  span: Scope | undefined;
}

/** What onAfterResponse sees; code and error are there when an error handler answered (Elysia does not type them). */
interface Finished {
  request: Request;
  set: { status?: number | string };
  route: string;
  body: unknown;
  params: unknown;
  code?: unknown;
  error?: unknown;
  responseValue?: unknown;
}

const timings = new WeakMap<Request, Timing>();
const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
let sequence = 0;
const prefix = crypto.randomUUID().slice(0, 8);

/** Elysia leaves set.status at 500 for errors the error plugin answered: recover the status it sent. */
function statusOf(code: unknown, error: unknown, request: Request, fallback: number): number {
  const mapped = asStationError(code, error, request);
  if (mapped instanceof StationError) return mapped.status;
  const status = (error as { status?: unknown } | undefined)?.status;
  return typeof status === "number" ? status : fallback;
}

/** The seed's /mcp/request and its path form (modules/mcp-request): logged alike. */
const MCP_REQUEST_ROUTES = new Set(["/mcp/request", "/sessions/:session_id/request"]);

/** success/error/refused for an /mcp/request answer, from its body. */
function mcpOutcome(status: number, value: unknown): string {
  if (status >= 400) return "refused";
  const body = value as { success?: unknown } | undefined;
  return body?.success === false ? "error" : "ok";
}

export const requestLog = (log: Logger, metrics?: StationMetrics) =>
  new Elysia({ name: "request-log" })
    .onRequest(({ request, set }) => {
      const given = request.headers.get("x-request-id");
      const id = given && SANE_ID.test(given) ? given : `${prefix}-${(++sequence).toString(36)}`;
      // Started first, so everything the request does (and logs) falls under the caller's trace.
      timings.set(request, { id, started: performance.now(), span: startHttpSpan(request) });
      set.headers["x-request-id"] = id;
      metrics?.httpStarted();
    })
    // Destructured, not `(ctx)`: Elysia reads a hook's parameters to decide what to parse, and a whole
    // context made it parse cookies on every request (bench/profile.ts: 3% of /mcp/request).
    .onAfterResponse({ as: "global" }, (({ request, set, route, body, params, code, error, responseValue }: Finished) => {
      const timing = timings.get(request);
      if (!timing) return;
      const seconds = (performance.now() - timing.started) / 1000;
      const status = error !== undefined ? statusOf(code, error, request, 500) : typeof set.status === "number" ? set.status : 200;
      const path = route || "unmatched";
      metrics?.httpFinished(path, request.method, status, seconds);
      endHttpSpan(timing.span, request.method, status, route || undefined, error instanceof StationError ? error.type : undefined);
      if (!log.enabled("info")) return;
      const fields: Record<string, unknown> = {
        request_id: timing.id,
        method: request.method,
        route: path,
        status,
        duration_ms: Math.round(seconds * 100_000) / 100,
      };
      const sent = body as { session_id?: unknown; method?: unknown } | undefined;
      if (MCP_REQUEST_ROUTES.has(path) && sent && typeof sent === "object") {
        fields.session_id = (params as Record<string, string> | undefined)?.session_id ?? sent.session_id;
        fields.mcp_method = sent.method;
        fields.outcome = mcpOutcome(status, responseValue);
      } else {
        const sessionId = (params as Record<string, string> | undefined)?.session_id;
        if (sessionId) fields.session_id = sessionId;
        fields.outcome = status >= 400 ? "refused" : "ok";
      }
      if (error instanceof StationError) fields.error = error.type;
      log.info("request", fields);
    }) as (context: unknown) => void);
