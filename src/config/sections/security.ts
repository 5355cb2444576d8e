/** Security settings: who may call (keys, JWT, Origin and Host), what may run (the registry, the command policy), and limits per tenant, session and server process. See settings.ts. */
import { Type } from "@sinclair/typebox";
import { CommandPolicy } from "../../security/command-policy.ts";
import { isSecretsKey } from "../../secrets/key.ts";
import { OnOff, choice, integer, list, oneOf, section, text } from "../setting.ts";

export const security = section("security", {
  protectedMode: choice({
    name: "MCP_STATION_PROTECTED_MODE",
    schema: OnOff,
    default: "on",
    meaning:
      "With no credential configured, `on` serves loopback clients only (others get 403 naming the settings) and `off` serves every client without authentication.",
  }),
  apiKeyList: list({
    name: "MCP_STATION_API_KEYS",
    meaning:
      "Comma-separated API keys, each `key` (tenant `default`) or `tenant:key` and at least 16 characters, sent as `Authorization: Bearer` or `X-API-Key`.",
  }),
  apiKeysFile: text({
    name: "MCP_STATION_API_KEYS_FILE",
    meaning: "File of API keys, one `key` or `tenant:key` a line with `#` comments, added to `MCP_STATION_API_KEYS`.",
  }),
  adminKeyList: list({
    name: "MCP_STATION_ADMIN_KEYS",
    meaning: "Comma-separated keys that see and manage every tenant's sessions (`key` acts as tenant `admin`, or `tenant:key`).",
  }),
  jwtSecret: text({
    name: "MCP_STATION_JWT_SECRET",
    // HS256 with a short secret can be brute-forced offline from one token (RFC 7518 §3.2 asks for 256 bits).
    schema: Type.String({ minLength: 32 }),
    invalid: () => "MCP_STATION_JWT_SECRET must be at least 32 characters",
    meaning: "HS256 secret for JWT bearer tokens, at least 32 characters.",
  }),
  jwksUrl: text({
    name: "MCP_STATION_JWT_JWKS_URL",
    accept: (value) => URL.canParse(value),
    invalid: (value) => `MCP_STATION_JWT_JWKS_URL is not a URL: "${value}"`,
    meaning: "JWKS URL for RS256/ES256 tokens (fetched and cached by jose).",
  }),
  jwtIssuer: text({ name: "MCP_STATION_JWT_ISSUER", meaning: "Required `iss` of tokens (not checked when unset)." }),
  jwtAudience: text({
    name: "MCP_STATION_JWT_AUDIENCE",
    meaning: "Required `aud` of tokens (not checked when unset); with OAuth on, one accepted besides the resource URIs.",
  }),
  jwtTenantClaim: text({ name: "MCP_STATION_JWT_TENANT_CLAIM", default: "sub", meaning: "Token claim that names the tenant." }),
  jwtAdminScope: text({
    name: "MCP_STATION_JWT_ADMIN_SCOPE",
    default: "mcp-station:admin",
    meaning: "A token whose `scope` or `scp` holds this is an admin.",
  }),
  jwtClockToleranceS: integer({
    name: "MCP_STATION_JWT_CLOCK_TOLERANCE_S",
    default: 30,
    maximum: 3600,
    meaning: "Allowed clock skew for `exp` and `nbf`, in seconds.",
  }),
  oauthAuthorizationServers: list({
    name: "MCP_STATION_OAUTH_AUTHORIZATION_SERVERS",
    meaning:
      "Comma-separated issuer URLs of the OAuth authorization servers whose tokens the station takes; setting it turns the OAuth 2.1 resource server on (`/.well-known/oauth-protected-resource`, `resource_metadata` in every 401, audience checked), and needs `MCP_STATION_OAUTH_RESOURCE` and a way to check tokens: `MCP_STATION_JWT_JWKS_URL`, `MCP_STATION_JWT_SECRET` or `MCP_STATION_OAUTH_INTROSPECTION_URL`.",
  }),
  oauthResource: text({
    name: "MCP_STATION_OAUTH_RESOURCE",
    accept: (value) => URL.canParse(value) && !value.includes("#"),
    invalid: (value) => `MCP_STATION_OAUTH_RESOURCE must be an absolute URL without a fragment, got "${value}"`,
    meaning:
      "The station's canonical resource URI as clients reach it (`https://station.example.com`), since the station cannot know its public URL behind a proxy, and tokens must name it, or the MCP endpoint they call (`…/servers/{name}/mcp`), as their audience.",
  }),
  oauthScopes: list({
    name: "MCP_STATION_OAUTH_SCOPES",
    meaning:
      "Comma-separated scopes a token must hold to use the station (all of them), advertised as `scopes_supported` and in the 401's `scope`; missing ones get 403 `insufficient_scope` (none: any scope).",
  }),
  oauthIntrospectionUrl: text({
    name: "MCP_STATION_OAUTH_INTROSPECTION_URL",
    accept: (value) => URL.canParse(value) && /^https?:/i.test(value),
    invalid: (value) => `MCP_STATION_OAUTH_INTROSPECTION_URL must be an http(s) URL, got "${value}"`,
    meaning:
      "The authorization server's token introspection endpoint (RFC 7662): opaque access tokens are checked there (active, audience, expiry, scopes), with OAuth on; needs the two `MCP_STATION_OAUTH_INTROSPECTION_CLIENT_*` settings.",
  }),
  oauthIntrospectionClientId: text({
    name: "MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID",
    meaning:
      "The station's client id at the authorization server, sent to the introspection endpoint as HTTP Basic (`client_secret_basic`).",
  }),
  oauthIntrospectionClientSecret: text({
    name: "MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET",
    meaning: "That client's secret (never logged).",
  }),
  oauthIntrospect: choice({
    name: "MCP_STATION_OAUTH_INTROSPECT",
    schema: oneOf(["opaque", "all"]),
    default: "opaque",
    meaning:
      "Which bearer tokens go to the introspection endpoint: `opaque` (those that are not JWTs; JWTs are checked by signature) or `all` (JWTs too, so that a revoked one is refused).",
  }),
  oauthIntrospectionCacheS: integer({
    name: "MCP_STATION_OAUTH_INTROSPECTION_CACHE_S",
    default: 60,
    maximum: 3600,
    meaning:
      "Seconds an active introspection answer is reused (never past the token's `exp`), so also how long a revoked token may still be accepted; `0` asks for every request.",
  }),
  oauthIntrospectionTimeoutMs: integer({
    name: "MCP_STATION_OAUTH_INTROSPECTION_TIMEOUT_MS",
    default: 3000,
    minimum: 100,
    maximum: 60_000,
    meaning:
      "How long a request waits for the introspection endpoint; past it, or when it is down, the answer is 503 `token_check_unavailable`.",
  }),
  toolPinning: choice({
    name: "MCP_STATION_TOOL_PINNING",
    schema: oneOf(["tools", "server", "off"]),
    default: "tools",
    meaning:
      "Pinned tools of registered servers: a tool whose definition (name, description, input schema) differs from the approved one is withheld (`tools`), or every tool of its server is (`server`), until an admin approves it; `off` checks nothing.",
  }),
  secretsKey: text({
    name: "MCP_STATION_SECRETS_KEY",
    accept: (value) => isSecretsKey(value),
    invalid: () => "MCP_STATION_SECRETS_KEY must be 32 bytes in base64 (openssl rand -base64 32)",
    meaning:
      "Key that encrypts tenants' secrets at rest with AES-256-GCM, 32 bytes in base64 (`openssl rand -base64 32`); unset, the station keeps no secrets and `/secrets` answers 404.",
  }),
  secretsOldKeys: list({
    name: "MCP_STATION_SECRETS_OLD_KEYS",
    meaning:
      "Comma-separated earlier keys, for rotation: secrets encrypted under one of them are read and encrypted again under `MCP_STATION_SECRETS_KEY` at start.",
  }),
  allowedOrigins: list({
    name: "MCP_STATION_ALLOWED_ORIGINS",
    meaning: "Comma-separated browser Origins allowed to call (`*`: any); a request with another `Origin` gets 403.",
  }),
  allowedHosts: list({
    name: "MCP_STATION_ALLOWED_HOSTS",
    meaning:
      "Comma-separated Host names accepted besides loopback names when the Host is checked (loopback bind, or protected mode), against DNS rebinding.",
  }),
  serversFile: text({
    name: "MCP_STATION_SERVERS_FILE",
    meaning:
      'Server registry in the `mcpServers` format (Claude Desktop, Cursor), listed at `GET /servers` and started with `POST /sessions {"server": name}`.',
  }),
  registryWatch: choice({
    name: "MCP_STATION_SERVERS_FILE_WATCH",
    schema: OnOff,
    default: "on",
    meaning:
      "`on` reads `MCP_STATION_SERVERS_FILE` again when it changes and `off` only on SIGHUP, a file that does not parse or validate being refused as a whole ([groups.md](groups.md#reload)).",
  }),
  commandPolicy: choice({
    name: "MCP_STATION_COMMAND_POLICY",
    schema: CommandPolicy,
    defaultText: "`any`, or `registry` when `MCP_STATION_SERVERS_FILE` is set",
    meaning: "What `POST /sessions` may start: `any`, `registry` (registered servers only) or `allowlist`.",
  }),
  allowedCommands: list({
    name: "MCP_STATION_ALLOWED_COMMANDS",
    meaning: "For `allowlist`: comma-separated bare names (on `PATH`), exact paths, or path prefixes ending in `/`.",
  }),
  allowedRoots: list({
    name: "MCP_STATION_ALLOWED_ROOTS",
    meaning:
      "Under `registry` or `allowlist`: comma-separated directories a caller's `working_dir` must resolve into (none: `working_dir` refused).",
  }),
  maxSessionsPerTenant: integer({
    name: "MCP_STATION_MAX_SESSIONS_PER_TENANT",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "Sessions one tenant may hold at once; past it 429, and `0` leaves only `MCP_STATION_MAX_SESSIONS`.",
  }),
  maxInFlightPerSession: integer({
    name: "MCP_STATION_MAX_IN_FLIGHT_PER_SESSION",
    default: 256,
    meaning: "Requests waiting on one session's server; past it 429 with `Retry-After: 1`, and `0` turns it off.",
  }),
  rateLimitPerMinute: integer({
    name: "MCP_STATION_RATE_LIMIT_PER_MINUTE",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "Requests per minute per tenant (a token bucket); past it 429 with `Retry-After`.",
  }),
  rateLimitBurst: integer({
    name: "MCP_STATION_RATE_LIMIT_BURST",
    minimum: 1,
    defaultText: "`ceil(rate / 6)`, at least 1",
    meaning: "Token-bucket size: requests a tenant may make at once.",
  }),
  limitAddressSpaceBytes: integer({
    name: "MCP_STATION_LIMIT_ADDRESS_SPACE_BYTES",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "`RLIMIT_AS` for each server, through `prlimit` (which must be on `PATH`).",
  }),
  limitCpuSeconds: integer({
    name: "MCP_STATION_LIMIT_CPU_SECONDS",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "`RLIMIT_CPU` for each server (soft N, hard N+1); past it the server gets SIGXCPU.",
  }),
  limitOpenFiles: integer({
    name: "MCP_STATION_LIMIT_OPEN_FILES",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "`RLIMIT_NOFILE` for each server.",
  }),
  limitProcesses: integer({
    name: "MCP_STATION_LIMIT_PROCESSES",
    default: 0,
    defaultText: "`0` (off)",
    meaning: "`RLIMIT_NPROC` for each server (it counts all processes of the station's user).",
  }),
});
