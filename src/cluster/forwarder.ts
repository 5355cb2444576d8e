/**
 * Node-to-node forwarding: a request for a session another node owns is
 * sent on to that node once, with the cluster secret and the caller the
 * first node admitted, and its answer streams back as it comes (an SSE
 * stream included). Bun's fetch keeps connections to each node alive and
 * reuses them, so a forward costs no new handshake.
 *
 * The request body is held in memory (bodies are bounded by
 * MCP_STATION_MAX_BODY_BYTES) so that one retry is possible after the
 * owner answered `not_owner`; nothing else is ever retried: a request
 * that failed after it reached the owner may have reached the server.
 */
import { timingSafeEqual } from "node:crypto";
import type { Caller } from "../security/caller.ts";

export const SECRET_HEADER = "x-mcp-station-cluster-secret";
export const CALLER_HEADER = "x-mcp-station-forwarded-caller";
export const FROM_HEADER = "x-mcp-station-forwarded-by";
/** Asks a node for its own sessions only (GET /sessions fanned out to every node). */
export const LOCAL_ONLY_HEADER = "x-mcp-station-local-only";

/** Headers that belong to one hop, not to the request. */
const HOP = ["connection", "keep-alive", "host", "content-length", "transfer-encoding", "upgrade", "te", "trailer", "proxy-connection"];

export type ForwardOutcome =
  | { kind: "answered"; response: Response }
  /** The owner could not be reached at all: nothing was sent. */
  | { kind: "unreachable"; error: Error }
  /** The connection failed after the request went out: it may have reached the server. */
  | { kind: "failed"; error: Error };

export class Forwarder {
  private readonly secret: Buffer;

  constructor(
    secret: string,
    private readonly nodeId: string,
  ) {
    this.secret = Buffer.from(secret);
  }

  /** Whether a request carries this cluster's secret (compared in constant time). */
  authentic(headers: Headers): boolean {
    const given = headers.get(SECRET_HEADER);
    if (given === null) return false;
    const bytes = Buffer.from(given);
    return bytes.length === this.secret.length && timingSafeEqual(bytes, this.secret);
  }

  /** The caller a forwarded request was admitted as, when it carries the secret; undefined otherwise. */
  forwardedCaller(headers: Headers): Caller | undefined {
    if (!this.authentic(headers)) return undefined;
    const raw = headers.get(CALLER_HEADER);
    if (!raw) return undefined;
    try {
      const caller = JSON.parse(Buffer.from(raw, "base64url").toString()) as Caller;
      if (typeof caller.tenant !== "string" || typeof caller.admin !== "boolean") return undefined;
      // Whole: a token's scopes and claims travel too, since the access rules match on them where the session runs.
      return caller;
    } catch {
      return undefined;
    }
  }

  /** The headers that carry a request to another node: the secret, the admitted caller, this node's id. */
  headersFor(caller: Caller): Record<string, string> {
    return {
      [SECRET_HEADER]: this.secret.toString(),
      [CALLER_HEADER]: Buffer.from(JSON.stringify(caller)).toString("base64url"),
      [FROM_HEADER]: this.nodeId,
    };
  }

  /** Sends `request` (its body already read into `body`) to `baseUrl`, once. */
  async forward(
    request: Request,
    baseUrl: string,
    body: ArrayBuffer | undefined,
    caller: Caller,
    extra: Record<string, string> = {},
  ): Promise<ForwardOutcome> {
    const url = new URL(request.url);
    const headers = new Headers(request.headers);
    for (const name of HOP) headers.delete(name);
    for (const [name, value] of Object.entries({ ...this.headersFor(caller), ...extra })) headers.set(name, value);
    let response: Response;
    try {
      response = await fetch(`${baseUrl}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: body && body.byteLength > 0 ? body : undefined,
        redirect: "manual",
        signal: request.signal,
        // The answer goes back as it came: compressed bytes are not ours to inflate.
        decompress: false,
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      // Refused or not resolvable: the request never left. Anything else (reset, timeout) may have reached the server.
      if (code === "ConnectionRefused" || code === "ECONNREFUSED" || code === "FailedToOpenSocket" || code === "ENOTFOUND")
        return { kind: "unreachable", error: error as Error };
      return { kind: "failed", error: error as Error };
    }
    const out = new Headers(response.headers);
    for (const name of HOP) out.delete(name);
    return { kind: "answered", response: new Response(response.body, { status: response.status, headers: out }) };
  }
}
