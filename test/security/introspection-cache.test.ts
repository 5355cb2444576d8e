/**
 * How long the station believes an introspection answer (src/security/introspection.ts), against a small
 * RFC 7662 endpoint that counts its calls and a clock the test moves: an active answer for the cache
 * time but never past the token's exp, an inactive one briefly, concurrent checks of one token in one
 * call, and the client's credentials sent as HTTP Basic.
 */
import { afterAll, beforeEach, expect, test } from "bun:test";
import { silentLogger } from "../../src/log.ts";
import { TokenIntrospection, TokenRefused } from "../../src/security/introspection.ts";

const NOW_S = 1_900_000_000;
let clock = NOW_S * 1000;
const calls: { token: string; authorization: string | null }[] = [];
/** What the endpoint says of each token. */
const answers: Record<string, Record<string, unknown>> = {
  good: { active: true, sub: "team-a", scope: "mcp:tools", aud: "https://s.example", exp: NOW_S + 3600, token_type: "Bearer" },
  "expiring-soon": { active: true, sub: "team-a", aud: "https://s.example", exp: NOW_S + 10 },
  "no-tenant": { active: true, aud: "https://s.example" },
  dpop: { active: true, sub: "team-a", aud: "https://s.example", token_type: "DPoP" },
  "other-issuer": { active: true, sub: "team-a", aud: "https://s.example", iss: "https://elsewhere.example" },
};

const endpoint = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(request) {
    const form = new URLSearchParams(await request.text());
    const token = form.get("token")!;
    calls.push({ token, authorization: request.headers.get("authorization") });
    await Bun.sleep(20);
    return Response.json(answers[token] ?? { active: false });
  },
});
afterAll(() => endpoint.stop(true));

const introspection = () =>
  new TokenIntrospection(
    {
      url: `http://127.0.0.1:${endpoint.port}/introspect`,
      clientId: "station one",
      clientSecret: "s3cret:x",
      tokens: "opaque",
      cacheS: 60,
      timeoutMs: 2000,
      issuers: ["https://idp.example"],
      clockToleranceS: 0,
    },
    { tenantClaim: "sub", adminScope: "mcp-station:admin" },
    silentLogger,
    () => clock,
  );

beforeEach(() => {
  clock = NOW_S * 1000;
  calls.length = 0;
});

test("an active answer is the token's holder, mapped as a JWT's claims are, and asked for once while cached", async () => {
  const check = introspection();
  const [one, two] = await Promise.all([check.check("good"), check.check("good")]);
  expect(one).toEqual({ tenant: "team-a", admin: false, scopes: ["mcp:tools"], audiences: ["https://s.example"], claims: answers.good! });
  expect(two).toEqual(one);
  await check.check("good");
  expect(calls.length).toBe(1);
  // RFC 6749 §2.3.1: id and secret form-encoded, then joined and base64-encoded.
  expect(calls[0]!.authorization).toBe(`Basic ${Buffer.from("station+one:s3cret%3Ax").toString("base64")}`);
  clock += 60_000;
  await check.check("good");
  expect(calls.length).toBe(2);
});

test("an answer is never believed past the token's exp", async () => {
  const check = introspection();
  await check.check("expiring-soon");
  clock += 9_000;
  await check.check("expiring-soon");
  expect(calls.length).toBe(1);
  clock += 1_000;
  // Asked again, and the endpoint's own exp now refuses it.
  await expect(check.check("expiring-soon")).rejects.toBeInstanceOf(TokenRefused);
  expect(calls.length).toBe(2);
});

test("an inactive answer is kept five seconds, then asked again", async () => {
  const check = introspection();
  await expect(check.check("unknown")).rejects.toThrow("not active");
  await expect(check.check("unknown")).rejects.toThrow("not active");
  expect(calls.length).toBe(1);
  clock += 5_000;
  await expect(check.check("unknown")).rejects.toBeInstanceOf(TokenRefused);
  expect(calls.length).toBe(2);
});

test("active answers the station does not accept: no tenant, a DPoP-bound token, another issuer", async () => {
  const check = introspection();
  await expect(check.check("no-tenant")).rejects.toThrow("token has no sub claim");
  await expect(check.check("dpop")).rejects.toThrow("DPoP token, not a bearer token");
  await expect(check.check("other-issuer")).rejects.toThrow("is not one of the authorization servers");
});

test("JWTs are left to the signature check unless every token is introspected", () => {
  expect(introspection().takes("a.b.c")).toBe(false);
  expect(introspection().takes("opaque-token")).toBe(true);
});
