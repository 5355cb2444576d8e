/**
 * The pieces of the OAuth tests: the authorization server (oidc-provider, in
 * a child process), a person clicking through its login and consent pages
 * (fetch with a cookie jar), and an OAuthClientProvider for the official
 * SDK client that keeps everything in memory.
 */
import { expect } from "bun:test";
import type { Subprocess } from "bun";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type OAuthClientProvider, UnauthorizedError } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";

const SERVER_SCRIPT = `${import.meta.dir}/authorization-server.mjs`;
/** Where the client says it wants the code: never fetched, the person's browser stops at it. */
export const REDIRECT_URL = "http://127.0.0.1:1/callback";

/** The station's client at the authorization server, with which it introspects tokens. */
export const STATION_CLIENT = { id: "mcp-station", secret: "an introspection secret for the tests" };

export interface AuthorizationServer {
  issuer: string;
  stop(): Promise<void>;
}

/** `tokenFormat` opaque: access tokens only its introspection endpoint can read. */
export async function startAuthorizationServer({
  tokenFormat = "jwt",
}: {
  tokenFormat?: "jwt" | "opaque";
} = {}): Promise<AuthorizationServer> {
  const child: Subprocess<"pipe", "pipe", "inherit"> = Bun.spawn([process.execPath, SERVER_SCRIPT], {
    env: { ...process.env, TOKEN_FORMAT: tokenFormat, STATION_CLIENT_ID: STATION_CLIENT.id, STATION_CLIENT_SECRET: STATION_CLIENT.secret },
    stdin: "pipe",
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the authorization server exited before it listened: ${text}`);
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  const { issuer } = JSON.parse(text.split("\n")[0]!) as { issuer: string };
  return {
    issuer,
    stop: async () => {
      child.stdin.end();
      child.kill();
      await child.exited;
    },
  };
}

/** A free port on loopback, for a station whose configuration must name its own URL before it listens. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

/**
 * What a person does in the browser: follows the authorization URL, logs in as `login`, consents, and
 * ends at the redirect URL, whose `code` is returned. The pages are the test server's JSON ones.
 */
export async function clickThrough(authorizationUrl: URL, login: string): Promise<string> {
  const jar = new Map<string, string>();
  let url = authorizationUrl.href;
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(REDIRECT_URL)) {
      const back = new URL(url);
      const code = back.searchParams.get("code");
      if (!code) throw new Error(`the authorization failed: ${back.search}`);
      return code;
    }
    const cookie = [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
    const res = await fetch(url, { ...init, redirect: "manual", headers: { ...(init.headers as object), cookie } });
    for (const set of res.headers.getSetCookie()) {
      const [pair] = set.split(";");
      const at = pair!.indexOf("=");
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      url = new URL(location, url).href;
      init = {};
      continue;
    }
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { prompt: string };
    const action = page.prompt === "login" ? "login" : "confirm";
    init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ login }) };
    url = `${url}/${action}`;
  }
  throw new Error("the authorization did not end in 20 steps");
}

/** The SDK client's view of its OAuth state, in memory. `resource`, when given, replaces the one the station names. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  /** Where the client sent the person; the test clicks through it. */
  authorizationUrl: URL | undefined;

  /** Only set to ask for another resource than the station names: else the SDK's own check of the metadata runs. */
  validateResourceURL?: OAuthClientProvider["validateResourceURL"];

  constructor(
    private readonly scope: string,
    resource?: string,
  ) {
    if (resource) this.validateResourceURL = async () => new URL(resource);
  }

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "mcp-station oauth test",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
      scope: this.scope,
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** The SDK's whole flow against `endpoint`: connect, meet the 401, authorize in the "browser" as `login`, finish, connect again. */
export async function connectWithOAuth(endpoint: URL, provider: MemoryOAuthProvider, login: string): Promise<Client> {
  const first = new StreamableHTTPClientTransport(endpoint, { authProvider: provider });
  const refused = new Client({ name: "oauth-test", version: "1" });
  await expect(refused.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationUrl).toBeDefined();
  const code = await clickThrough(provider.authorizationUrl!, login);
  await first.finishAuth(code);
  const client = new Client({ name: "oauth-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider }));
  return client;
}
