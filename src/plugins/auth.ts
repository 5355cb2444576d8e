/**
 * Who may call, decided before routing for every request but the liveness
 * probe: the browser checks (Origin, Host), then a credential when one is
 * configured, else protected mode (loopback clients only, as Redis does),
 * then the tenant's request rate. With OAuth on (src/security/oauth.ts) the
 * resource metadata is open too, a 401 points to it, and a token short of the
 * required scopes gets 403 insufficient_scope. The admitted Caller is kept per request;
 * controllers read it with `callerOf(request)`.
 *
 * @example
 *   new Elysia().use(authGate(config, log)).get("/x", ({ request }) => callerOf(request).tenant)
 */
import type { Server } from "bun";
import { Elysia } from "elysia";
import type { Config } from "../config.ts";
import { BadRequest, Forbidden, RequestCancelled, TooManyRequests, Unauthorized } from "../errors.ts";
import type { Logger } from "../log.ts";
import { authConfigured, createAuthenticator, credentialOf } from "../security/authenticate.ts";
import { type Caller, LOCAL_CALLER, byToken } from "../security/caller.ts";
import { isLoopbackAddress, isLoopbackHost } from "../security/client-address.ts";
import type { LiveTickets } from "../security/live-tickets.ts";
import { METADATA_PATH, ProtectedResource } from "../security/oauth.ts";
import { TokenBuckets } from "../security/token-bucket.ts";
import { checkBrowserHeaders } from "./origin.ts";

/** Paths served to anyone: a liveness probe discloses nothing and must work for orchestrators without keys. */
const OPEN_PATHS = new Set(["/healthz"]);
/** The console's static files (src/modules/ui): the page asks for a credential itself and sends it with every API call. */
const isConsoleAsset = (path: string) => path === "/ui" || path.startsWith("/ui/");

const callers = new WeakMap<Request, Caller>();

/**
 * An HTTP/1.0 request without a Host header (HAProxy's default health check sends one) reaches Bun
 * with a URL that is only a path, which the router cannot route and URL parsing throws on: refuse it
 * before anything reads it, as Bun already refuses HTTP/1.1 without Host.
 */
function refuseWithoutHost(request: Request): void {
  if (request.url.startsWith("/"))
    throw new BadRequest("the request has no Host header: send one (HTTP/1.1 requires it, and this station requires it of HTTP/1.0 too)");
}

/** The caller admitted for this request. Fails closed: a request the gate did not see has no caller. */
export function callerOf(request: Request): Caller {
  const caller = callers.get(request);
  if (!caller) throw new Unauthorized("authentication required");
  return caller;
}

export const PROTECTED_MODE_MESSAGE =
  "MCP Station is in protected mode: no credential is configured, so only clients on loopback are served. " +
  "Set MCP_STATION_API_KEYS (or MCP_STATION_JWT_SECRET / MCP_STATION_JWT_JWKS_URL) and send the key as " +
  "'Authorization: Bearer <key>', or set MCP_STATION_PROTECTED_MODE=off to serve every client without authentication.";

/**
 * Whether `path` is served to anyone: the liveness probe, the console's static files, and with OAuth on
 * the metadata that tells a client how to get a token.
 */
function isOpen(path: string, oauth: boolean): boolean {
  return OPEN_PATHS.has(path) || isConsoleAsset(path) || (oauth && (path === METADATA_PATH || path.startsWith(`${METADATA_PATH}/`)));
}

/**
 * @param tickets WebSocket tickets (POST /live/tickets), admitted on an upgrade in place of a header a browser cannot send;
 * checked here on whichever node the upgrade reaches, spent where the socket opens (src/modules/live).
 * @param trusted cluster mode: the caller another node admitted, when the request carries the cluster's
 * secret (src/cluster/forwarder.ts); that node checked the credential, the origin and the tenant's rate.
 */
export function authGate(
  config: Config,
  log: Logger,
  { tickets, trusted }: { tickets?: LiveTickets; trusted?: (headers: Headers) => Caller | undefined } = {},
) {
  const authOn = authConfigured(config);
  const resource = config.oauth ? new ProtectedResource(config.oauth) : undefined;
  const authenticate = createAuthenticator(config, log, resource);
  const buckets = config.rateLimitPerMinute > 0 ? new TokenBuckets(config.rateLimitPerMinute, config.rateLimitBurst) : undefined;
  if (buckets) setInterval(() => buckets.prune(), 60_000).unref?.();
  const boundToLoopback = isLoopbackHost(config.host);

  // The peer's address is asked for only where it decides something or is logged: asking costs a
  // getpeername per request (bench/profile.ts: 2.6% of a busy /mcp/request).
  const refuse = (error: Unauthorized | Forbidden | TooManyRequests, request: Request, server: Peers) => {
    log.warn("audit: request refused", {
      status: error.status,
      reason: error.type,
      ip: peerOf(server, request),
      method: request.method,
      path: new URL(request.url).pathname,
    });
    return error;
  };

  const checkBrowser = (request: Request, server: Peers, checkHost: boolean) =>
    checkBrowserHeaders(request.headers, { allowedOrigins: config.allowedOrigins, allowedHosts: config.allowedHosts, checkHost }, (e) =>
      refuse(e, request, server),
    );
  /** The tenant's request rate; then the caller is kept for the controllers. */
  const admit = (request: Request, server: Peers, caller: Caller) => {
    if (buckets) {
      const taken = buckets.take(caller.tenant);
      if (!taken.ok) {
        const error = new TooManyRequests(`tenant ${caller.tenant} is over its request rate (MCP_STATION_RATE_LIMIT_PER_MINUTE)`, {
          retry_after_s: taken.retryAfterS,
        });
        error.headers = { "retry-after": String(taken.retryAfterS) };
        throw refuse(error, request, server);
      }
    }
    callers.set(request, caller);
  };

  const admitForwarded = (request: Request): boolean => {
    const caller = trusted?.(request.headers);
    if (caller) callers.set(request, caller);
    return caller !== undefined;
  };

  const gate = new Elysia({ name: "auth-gate" });
  if (authOn) {
    return gate.onRequest(async ({ request, server }) => {
      refuseWithoutHost(request);
      const path = pathOf(request.url);
      if (isOpen(path, resource !== undefined)) return;
      if (admitForwarded(request)) return;
      // Origin is checked for every client: a browser page must not drive the station with a stored key.
      checkBrowser(request, server, boundToLoopback);
      const admitted = (await authenticate(request.headers, path)) ?? tickets?.verify(request.headers, path);
      if (!admitted) {
        const error = new Unauthorized("missing or invalid credential");
        error.headers = { "www-authenticate": unauthorizedChallenge(resource, path, request.headers) };
        throw refuse(error, request, server);
      }
      const missing = resource && byToken(admitted) ? resource.missingScopes(admitted.scopes ?? []) : [];
      if (resource && missing.length > 0) {
        const description = `the token lacks the scope ${missing.join(" ")}`;
        const error = new Forbidden(description, { required_scope: missing.join(" ") });
        // RFC 6750 §3.1: the scope needed to get a token that works; the MCP specification's step-up authorization.
        error.headers = {
          "www-authenticate": resource.challenge(path, { error: "insufficient_scope", description, scope: resource.settings.scopes }),
        };
        throw refuse(error, request, server);
      }
      admit(request, server, admitted);
    });
  }
  // Without credentials the gate never waits on anything: a synchronous hook, cheaper on every request.
  return gate.onRequest(({ request, server }) => {
    refuseWithoutHost(request);
    if (isOpen(pathOf(request.url), false)) return;
    if (admitForwarded(request)) return;
    if (config.protectedMode && !fromLoopback(server, request)) {
      // A caller whose connection closed before this hook ran has no address any more (Bun's requestIP
      // is null): it left and nobody was refused, so it is no audit line (found by the soak, bench/soak).
      if (server && server.requestIP(request) === null) throw new RequestCancelled("the caller left before it was served");
      throw refuse(new Forbidden(PROTECTED_MODE_MESSAGE), request, server);
    }
    // Without credentials, a local caller is trusted by where it stands: check Host too, or a web page
    // that rebinds its DNS name to 127.0.0.1 would stand there as well.
    checkBrowser(request, server, boundToLoopback || config.protectedMode);
    admit(request, server, LOCAL_CALLER);
  });
}

/**
 * A 401's challenge: with OAuth on, where the resource's metadata is (the MCP endpoint's own for an MCP
 * endpoint) so that a client can find its authorization server, and `invalid_token` when one was sent.
 */
function unauthorizedChallenge(resource: ProtectedResource | undefined, path: string, headers: Headers): string {
  if (!resource) return 'Bearer realm="mcp-station"';
  const sent = credentialOf(headers) !== undefined;
  return resource.challenge(
    path,
    sent ? { error: "invalid_token", description: "the token is invalid, expired, or not for this resource" } : undefined,
  );
}

/** What the gate asks of the listening server: where it listens, and a request's peer. */
type Peers = Pick<Server<unknown>, "hostname" | "requestIP"> | null | undefined;

/** The peer's address; undefined without a socket (app.handle in tests), which is never trusted as local. */
function peerOf(server: Peers, request: Request): string | undefined {
  return server?.requestIP(request)?.address;
}

let lastServer: Peers;
let lastServerOnLoopback = false;

/**
 * Whether a request came from this machine. A server listening on a loopback address can only have
 * peers on loopback (the kernel routes nothing else to it), so its peers are not asked for one by one.
 */
function fromLoopback(server: Peers, request: Request): boolean {
  if (!server) return false;
  if (server !== lastServer) {
    lastServer = server;
    lastServerOnLoopback = isLoopbackHost(server.hostname);
  }
  return lastServerOnLoopback || isLoopbackAddress(peerOf(server, request));
}

/** The path of an absolute request URL, without building a URL object for every request. */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}
