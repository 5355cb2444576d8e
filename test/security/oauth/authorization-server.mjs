#!/usr/bin/env node
/**
 * A real OAuth 2.1 authorization server for the OAuth tests: oidc-provider (a
 * certified OpenID provider) on loopback, with dynamic client registration,
 * PKCE and resource indicators (RFC 8707), minting access tokens whose
 * audience is the resource asked for: JWTs, or opaque tokens with
 * TOKEN_FORMAT=opaque, which its introspection endpoint (RFC 7662, for the
 * client STATION_CLIENT_ID with STATION_CLIENT_SECRET) describes and its revocation endpoint
 * (RFC 7009) revokes. Its login and consent pages are JSON endpoints a test
 * drives with fetch, as a person would click through them:
 *
 *   GET  /interaction/{uid}          -> {"prompt": "login" | "consent", ...}
 *   POST /interaction/{uid}/login    {"login": "team-a"}   -> 303 back to the authorization
 *   POST /interaction/{uid}/confirm                        -> 303 back to the authorization
 *
 * Prints {"issuer": "http://127.0.0.1:<port>"} on stdout once it listens;
 * its endpoints are oidc-provider's: /token, /reg, /token/introspection,
 * /token/revocation, /jwks.
 * Runs under Node or Bun.
 */
import { createServer } from "node:http";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

/** What a token for a resource may hold: the station asks for mcp:tools; mcp:read alone is not enough there; mcp:admin is a step up. */
const RESOURCE_SCOPES = "mcp:tools mcp:read mcp:admin";
/** JWT access tokens (RFC 9068), or opaque ones that only introspection can read. */
const TOKEN_FORMAT = process.env.TOKEN_FORMAT === "opaque" ? "opaque" : "jwt";
/** The station's own client, for the introspection endpoint (client_secret_basic). */
const STATION_CLIENT = {
  client_id: process.env.STATION_CLIENT_ID ?? "mcp-station",
  client_secret: process.env.STATION_CLIENT_SECRET ?? "",
};

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const signingKey = { ...(await exportJWK(privateKey)), alg: "RS256", use: "sig", kid: "test-key" };

let provider;
const server = createServer((req, res) => {
  if (req.url.startsWith("/interaction/")) {
    interaction(req, res).catch((error) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: error.message }));
    });
    return;
  }
  provider.callback()(req, res);
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

provider = new Provider(issuer, {
  jwks: { keys: [signingKey] },
  cookies: { keys: ["a test cookie key, not a secret of anything"] },
  scopes: ["openid", "offline_access", ...RESOURCE_SCOPES.split(" ")],
  pkce: { required: () => true },
  findAccount: (_ctx, accountId) => ({ accountId, claims: () => ({ sub: accountId }) }),
  clients: [
    {
      ...STATION_CLIENT,
      grant_types: [],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    introspection: { enabled: true },
    // For a machine client with no person behind it (docs/security.md's curl example).
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Any resource on loopback: the tests ask for the station's and for another one.
      defaultResource: (_ctx, _client, oneOf) => oneOf,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (!resource.startsWith("http://127.0.0.1:")) throw new Provider.errors.InvalidTarget();
        return {
          scope: RESOURCE_SCOPES,
          audience: resource,
          accessTokenTTL: 600,
          accessTokenFormat: TOKEN_FORMAT,
          ...(TOKEN_FORMAT === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
        };
      },
    },
  },
});

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const action = req.url.split("/")[3];
  if (req.method === "GET" && action === undefined) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ uid: details.uid, prompt: details.prompt.name, details: details.prompt.details, params: details.params }));
    return;
  }
  if (req.method === "POST" && action === "login") {
    const { login } = JSON.parse(await body(req));
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  if (req.method === "POST" && action === "confirm") {
    const { accountId } = details.session;
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(resource, scopes.join(" "));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  res.writeHead(404).end();
}

function body(req) {
  return new Promise((resolve, reject) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
  });
}

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
// Ends with its parent: the test closes stdin.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
