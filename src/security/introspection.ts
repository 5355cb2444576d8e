/**
 * Opaque access tokens, checked by the authorization server's introspection
 * endpoint (RFC 7662): the station posts the token with its own client
 * credentials (client_secret_basic) and reads back whether it is active and
 * what it says (`sub`, `scope`, `aud`, `exp`, …), which token-claims.ts maps
 * exactly as it maps a JWT's payload. The caller of `check` checks the
 * audience, as for a JWT (oauth.ts).
 *
 * Answers are cached, keyed by the token's SHA-256 (the token itself is kept
 * no longer than the request that carried it, and never logged): an active
 * one until min(the cache time, its `exp`), an inactive one briefly, so a
 * client retrying a bad token does not become a load on the authorization
 * server. Concurrent checks of one token share one call. A revoked token is
 * therefore still accepted until its cached answer ends: the cache time is
 * that bound.
 *
 * An endpoint that is down, slow past its deadline or answers something else
 * is TokenCheckUnavailable (503), never a 401: the token may be good.
 *
 * @example
 *   const introspection = new TokenIntrospection({ url: "https://idp/introspect", clientId: "station", clientSecret: "…", ... }, claims, log);
 *   await introspection.check("2YotnFZFEjr1zCsicMWpAA")  // VerifiedToken, or throws TokenRefused / TokenCheckUnavailable
 */
import { createHash } from "node:crypto";
import { TokenCheckUnavailable } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type ClaimSettings, type VerifiedToken, tokenFromClaims } from "./token-claims.ts";

export interface IntrospectionSettings {
  /** The endpoint (MCP_STATION_OAUTH_INTROSPECTION_URL). */
  url: string;
  /** The station's client at the authorization server, sent as HTTP Basic (RFC 6749 §2.3.1). */
  clientId: string;
  clientSecret: string;
  /** Which bearer tokens are introspected: `opaque` (those that are not JWTs) or `all`. */
  tokens: "opaque" | "all";
  /** How long an active answer is kept, in seconds (never past the token's `exp`); 0: asked every time. */
  cacheS: number;
  /** How long the station waits for the endpoint, in milliseconds. */
  timeoutMs: number;
  /** The accepted `iss`, when an answer carries one (the authorization servers). */
  issuers: string[];
  /** Allowed clock skew for `exp` and `nbf`, in seconds. */
  clockToleranceS: number;
}

/** A token the endpoint calls inactive, or whose answer the station does not accept; the reason is for the log only. */
export class TokenRefused extends Error {}

/** How long an inactive answer is kept: long enough to absorb a retry loop, short enough that nothing waits on it. */
const INACTIVE_CACHE_MS = 5_000;
/** Distinct tokens remembered at most; past it the oldest answer is forgotten (asked again when seen again). */
const MAX_ENTRIES = 10_000;
/** What a 503 asks the client to wait before it retries. */
const RETRY_AFTER_S = 2;

type Answer = { until: number; token: VerifiedToken } | { until: number; refused: string };

export class TokenIntrospection {
  private readonly answers = new Map<string, Answer>();
  private readonly asking = new Map<string, Promise<Answer>>();
  private readonly authorization: string;

  constructor(
    readonly settings: IntrospectionSettings,
    private readonly claims: ClaimSettings,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    // RFC 6749 §2.3.1: both parts form-encoded (application/x-www-form-urlencoded) before they are joined and base64-encoded.
    const form = (part: string) => new URLSearchParams({ x: part }).toString().slice(2);
    this.authorization = `Basic ${Buffer.from(`${form(settings.clientId)}:${form(settings.clientSecret)}`).toString("base64")}`;
  }

  /** Whether a bearer credential goes to the endpoint (the rest are tried as JWTs). */
  takes(credential: string): boolean {
    return this.settings.tokens === "all" || credential.split(".").length !== 3;
  }

  /** The holder of an active token; throws TokenRefused for one that is not, TokenCheckUnavailable when nobody can tell. */
  async check(credential: string): Promise<VerifiedToken> {
    const key = createHash("sha256").update(credential).digest("base64url");
    let answer = this.answers.get(key);
    if (answer && answer.until <= this.now()) {
      this.answers.delete(key);
      answer = undefined;
    }
    if (!answer) {
      let pending = this.asking.get(key);
      if (!pending) {
        pending = this.ask(credential).finally(() => this.asking.delete(key));
        this.asking.set(key, pending);
      }
      answer = await pending;
      this.remember(key, answer);
    }
    if ("refused" in answer) throw new TokenRefused(answer.refused);
    return answer.token;
  }

  private remember(key: string, answer: Answer): void {
    if (answer.until <= this.now() || this.answers.has(key)) return;
    if (this.answers.size >= MAX_ENTRIES) {
      for (const [old, kept] of this.answers) if (kept.until <= this.now()) this.answers.delete(old);
      if (this.answers.size >= MAX_ENTRIES) this.answers.delete(this.answers.keys().next().value!);
    }
    this.answers.set(key, answer);
  }

  private async ask(credential: string): Promise<Answer> {
    let response: Response;
    try {
      response = await fetch(this.settings.url, {
        method: "POST",
        headers: { authorization: this.authorization, "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token: credential, token_type_hint: "access_token" }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
        redirect: "error",
      });
    } catch (cause) {
      const slow = (cause as Error).name === "TimeoutError";
      throw this.unavailable(
        slow ? `it did not answer within ${this.settings.timeoutMs} ms` : `it could not be reached (${(cause as Error).message})`,
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      body = undefined;
    }
    if (response.status === 401 || response.status === 403) {
      throw this.unavailable(
        `it refused the station's client (HTTP ${response.status}): check MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID and MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET`,
      );
    }
    if (
      response.status !== 200 ||
      typeof body !== "object" ||
      body === null ||
      typeof (body as { active?: unknown }).active !== "boolean"
    ) {
      throw this.unavailable(`it answered HTTP ${response.status} without an introspection answer`);
    }
    return this.judge(body as Record<string, unknown>);
  }

  /** An answer's verdict and how long it holds. */
  private judge(claims: Record<string, unknown>): Answer {
    const now = this.now();
    const refused = (reason: string): Answer => ({
      until: now + Math.min(INACTIVE_CACHE_MS, this.settings.cacheS * 1000),
      refused: reason,
    });
    if (claims.active !== true) return refused("the authorization server says the token is not active");
    const tolerance = this.settings.clockToleranceS * 1000;
    const { exp, nbf, iss, token_type: type } = claims;
    if (typeof exp === "number" && exp * 1000 + tolerance <= now) return refused("the token has expired");
    if (typeof nbf === "number" && nbf * 1000 - tolerance > now) return refused("the token is not valid yet");
    if (typeof iss === "string" && this.settings.issuers.length > 0 && !this.settings.issuers.includes(iss))
      return refused(`the token's issuer ${iss} is not one of the authorization servers`);
    // A DPoP-bound token is worthless without its proof, which the station does not check: refused as a bearer token.
    if (typeof type === "string" && type.toLowerCase() !== "bearer") return refused(`the token is a ${type} token, not a bearer token`);
    let token: VerifiedToken;
    try {
      token = tokenFromClaims(claims, this.claims);
    } catch (error) {
      return refused((error as Error).message);
    }
    const cached = now + this.settings.cacheS * 1000;
    return { until: typeof exp === "number" ? Math.min(cached, exp * 1000) : cached, token };
  }

  private unavailable(why: string): TokenCheckUnavailable {
    this.log.warn("token introspection failed", { url: this.settings.url, reason: why });
    const error = new TokenCheckUnavailable(
      "the authorization server's token introspection endpoint is unavailable, so the token cannot be checked; retry later",
    );
    error.headers = { "retry-after": String(RETRY_AFTER_S) };
    return error;
  }
}
