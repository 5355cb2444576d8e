/**
 * Who may call, over real sockets: with a key configured nothing but the
 * liveness probe answers without it; keys travel as Bearer or X-API-Key; a
 * browser's foreign Origin is refused; JWTs are checked for signature,
 * issuer, audience and expiry, from a shared secret or a JWKS served locally.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { ADMIN_KEY, KEY_A, KEYS_ENV, type LoggedStation, startLoggedStation } from "./support.ts";
import { fixture } from "../setup/paths.ts";

let station: LoggedStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

/** Every route in the OpenAPI document, with its path parameters filled in. */
async function everyRoute(s: LoggedStation): Promise<{ method: string; path: string }[]> {
  const doc = (await s.call("GET", "/openapi/json", undefined, s.as(ADMIN_KEY))).body;
  const routes: { method: string; path: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths as Record<string, object>)) {
    for (const method of Object.keys(ops))
      routes.push({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, "00000000-0000-0000-0000-000000000000") });
  }
  routes.push({ method: "GET", path: "/openapi/json" }, { method: "GET", path: "/no-such-route" });
  return routes;
}

describe("with an API key configured", () => {
  test("nothing but /healthz answers without the key: 401 with WWW-Authenticate and no detail", async () => {
    station = await startLoggedStation(KEYS_ENV);
    const routes = await everyRoute(station);
    expect(routes.length).toBeGreaterThan(8);
    for (const { method, path } of routes) {
      const reply = await station.call(method, path, ["POST", "PUT", "PATCH"].includes(method) ? {} : undefined);
      if (path === "/healthz") {
        expect(reply.status).toBe(200);
        continue;
      }
      expect({ method, path, status: reply.status }).toEqual({ method, path, status: 401 });
      expect(reply.headers.get("www-authenticate")).toStartWith("Bearer");
      expect(reply.body.error.message).toBe("missing or invalid credential");
    }
  });

  test("a wrong key, a near miss and an empty bearer get the same 401 as no key", async () => {
    station = await startLoggedStation(KEYS_ENV);
    const bodies = new Set<string>();
    for (const headers of <Record<string, string>[]>[
      {},
      { authorization: `Bearer ${KEY_A}x` },
      { authorization: `Bearer ${KEY_A.slice(0, -1)}` },
      { authorization: "Bearer " },
      { "x-api-key": "nope" },
      { authorization: `Basic ${btoa(`a:${KEY_A}`)}` },
    ]) {
      const reply = await station.call("GET", "/sessions", undefined, headers);
      expect(reply.status).toBe(401);
      bodies.add(JSON.stringify(reply.body));
    }
    expect(bodies.size).toBe(1);
  });

  test("the key is accepted as Authorization: Bearer and as X-API-Key, and the session belongs to its tenant", async () => {
    station = await startLoggedStation(KEYS_ENV);
    expect((await station.call("GET", "/sessions", undefined, { "x-api-key": KEY_A })).status).toBe(200);
    const created = await station.call("POST", "/sessions", { server_command: fixture("echo.mjs") }, station.as(KEY_A));
    expect(created.status).toBe(200);
    expect(created.body.owner).toBe("a");
    const answer = await station.call(
      "POST",
      "/mcp/request",
      { session_id: created.body.session_id, method: "tools/list", params: {} },
      { "x-api-key": KEY_A },
    );
    expect(answer.body.success).toBe(true);
  });

  test("a request whose Origin is not allowed is refused with 403 even with a good key", async () => {
    station = await startLoggedStation({ ...KEYS_ENV, MCP_STATION_ALLOWED_ORIGINS: "https://console.example" });
    const evil = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body.error.message).toContain("MCP_STATION_ALLOWED_ORIGINS");
    const allowed = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), origin: "https://console.example" });
    expect(allowed.status).toBe(200);
  });

  test("a station bound to loopback refuses a Host that is not local (DNS rebinding)", async () => {
    station = await startLoggedStation(KEYS_ENV);
    const rebound = await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), host: "attacker.example:20100" });
    expect(rebound.status).toBe(403);
    expect((await station.call("GET", "/sessions", undefined, { ...station.as(KEY_A), host: `localhost:${station.port}` })).status).toBe(
      200,
    );
  });

  test("every refusal is an audit line with the client and the path, never the credential", async () => {
    station = await startLoggedStation(KEYS_ENV);
    await station.call("POST", "/sessions", { server_command: "/bin/sh" }, { authorization: "Bearer guessed-key-123456" });
    const line = station.logs.find((l) => l.msg === "audit: request refused");
    expect(line).toMatchObject({ status: 401, path: "/sessions", method: "POST", ip: "127.0.0.1" });
    expect(JSON.stringify(station.logs)).not.toContain("guessed-key-123456");
  });
});

describe("JWT", () => {
  const SECRET = "a-shared-secret-of-at-least-32-chars!";
  const sign = (claims: Record<string, unknown>, opts: { secret?: string; exp?: string | number; iss?: string; aud?: string } = {}) => {
    let jwt = new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setIssuedAt();
    if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
    if (opts.iss) jwt = jwt.setIssuer(opts.iss);
    if (opts.aud) jwt = jwt.setAudience(opts.aud);
    return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
  };
  const JWT_ENV = { MCP_STATION_JWT_SECRET: SECRET, MCP_STATION_JWT_ISSUER: "https://idp.test", MCP_STATION_JWT_AUDIENCE: "mcp-station" };
  const good = { exp: "5m", iss: "https://idp.test", aud: "mcp-station" };

  test("HS256: a valid token names the tenant; a wrong secret, issuer, audience, an expired or exp-less token get 401", async () => {
    station = await startLoggedStation(JWT_ENV);
    const ok = await station.call(
      "POST",
      "/sessions",
      { server_command: fixture("echo.mjs") },
      station.as(await sign({ sub: "team-jwt" }, good)),
    );
    expect(ok.status).toBe(200);
    expect(ok.body.owner).toBe("team-jwt");
    const bad = [
      await sign({ sub: "x" }, { ...good, secret: "another-secret-that-is-long-enough-too" }),
      await sign({ sub: "x" }, { ...good, iss: "https://other.test" }),
      await sign({ sub: "x" }, { ...good, aud: "someone-else" }),
      await sign({ sub: "x" }, { ...good, exp: Math.floor(Date.now() / 1000) - 3600 }),
      await sign({ sub: "x" }, { iss: good.iss, aud: good.aud }),
      await sign({}, good),
      // alg "none": an unsigned token with the same claims.
      `${Buffer.from('{"alg":"none"}').toString("base64url")}.${Buffer.from(JSON.stringify({ sub: "x", iss: good.iss, aud: good.aud, exp: 9999999999 })).toString("base64url")}.`,
    ];
    for (const token of bad) expect((await station.call("GET", "/sessions", undefined, station.as(token))).status).toBe(401);
  });

  test("a token with the admin scope sees every tenant's sessions; a plain one only its own", async () => {
    station = await startLoggedStation(JWT_ENV);
    const mine = await station.call(
      "POST",
      "/sessions",
      { server_command: fixture("echo.mjs") },
      station.as(await sign({ sub: "t1" }, good)),
    );
    expect(mine.status).toBe(200);
    const other = await station.call("GET", "/sessions", undefined, station.as(await sign({ sub: "t2" }, good)));
    expect(other.body.count).toBe(0);
    const admin = await station.call(
      "GET",
      "/sessions",
      undefined,
      station.as(await sign({ sub: "ops", scope: "read mcp-station:admin" }, good)),
    );
    expect(admin.body.sessions.map((s: any) => s.session_id)).toEqual([mine.body.session_id]);
  });

  describe("RS256 and ES256 from a JWKS URL", () => {
    let jwks: ReturnType<typeof Bun.serve> | undefined;
    let rsa: CryptoKeyPair;
    let ec: CryptoKeyPair;
    let stranger: CryptoKeyPair;
    beforeAll(async () => {
      rsa = await generateKeyPair("RS256");
      ec = await generateKeyPair("ES256");
      stranger = await generateKeyPair("RS256");
      const keys = [
        { ...(await exportJWK(rsa.publicKey)), kid: "rsa-1", alg: "RS256", use: "sig" },
        { ...(await exportJWK(ec.publicKey)), kid: "ec-1", alg: "ES256", use: "sig" },
      ];
      jwks = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ keys }) });
    });
    afterAll(() => jwks?.stop(true));

    const signWith = (key: CryptoKey, alg: string, kid: string, sub: string) =>
      new SignJWT({ sub })
        .setProtectedHeader({ alg, kid })
        .setIssuer("https://idp.test")
        .setAudience("mcp-station")
        .setExpirationTime("5m")
        .sign(key);

    test("tokens signed by keys in the JWKS are accepted; one signed by a key not in it is not", async () => {
      station = await startLoggedStation({
        MCP_STATION_JWT_JWKS_URL: `http://127.0.0.1:${jwks!.port}/.well-known/jwks.json`,
        MCP_STATION_JWT_ISSUER: "https://idp.test",
        MCP_STATION_JWT_AUDIENCE: "mcp-station",
      });
      expect(
        (await station.call("GET", "/sessions", undefined, station.as(await signWith(rsa.privateKey, "RS256", "rsa-1", "r")))).status,
      ).toBe(200);
      expect(
        (await station.call("GET", "/sessions", undefined, station.as(await signWith(ec.privateKey, "ES256", "ec-1", "e")))).status,
      ).toBe(200);
      expect(
        (await station.call("GET", "/sessions", undefined, station.as(await signWith(stranger.privateKey, "RS256", "rsa-1", "s")))).status,
      ).toBe(401);
      // An HS256 token cannot pass as a JWKS one, whatever key it was signed with (algorithm confusion).
      const hs = await new SignJWT({ sub: "h" })
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer("https://idp.test")
        .setAudience("mcp-station")
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode("x".repeat(40)));
      expect((await station.call("GET", "/sessions", undefined, station.as(hs))).status).toBe(401);
    });
  });
});
