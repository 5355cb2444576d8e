/**
 * The station's configuration: every row of the settings table read from the
 * environment and validated once, then the values that follow from several
 * settings (the API keys from a list and a file, the registry from its file,
 * the prlimit prefix, the bounds raised to meet their base).
 *
 * @example
 *   const config = loadConfig(process.env); // throws ConfigError on a bad value
 */
import { AccessRules } from "../security/access-rules.ts";
import { readKeys } from "../security/api-keys.ts";
import type { IntrospectionSettings } from "../security/introspection.ts";
import { hasLimits, limitPrefix } from "../security/rlimits.ts";
import { type RegistryContents, readRegistryFile } from "../registry/registry-file.ts";
import { ConfigError } from "./config-error.ts";
import { readSettings } from "./setting.ts";
import { SETTINGS } from "./settings.ts";

type Env = Record<string, string | undefined>;
type Values = ReturnType<typeof readSettings<typeof SETTINGS>>;

export function loadConfig(env: Env = process.env) {
  const {
    maxRequestTimeoutMs,
    protectedMode,
    apiKeyList,
    apiKeysFile,
    adminKeyList,
    jwtSecret,
    jwksUrl,
    jwtIssuer,
    jwtAudience,
    jwtTenantClaim,
    jwtAdminScope,
    jwtClockToleranceS,
    allowedHosts,
    commandPolicy,
    rateLimitBurst,
    limitAddressSpaceBytes,
    limitCpuSeconds,
    limitOpenFiles,
    limitProcesses,
    persistence,
    registryWatch,
    restore,
    restartBackoffMaxMs,
    oauthAuthorizationServers,
    oauthResource,
    oauthScopes,
    oauthIntrospectionUrl,
    oauthIntrospectionClientId,
    oauthIntrospectionClientSecret,
    oauthIntrospect,
    oauthIntrospectionCacheS,
    oauthIntrospectionTimeoutMs,
    nodeId,
    advertiseUrl,
    clusterSecret,
    leaseTtlMs,
    ...plain
  } = readSettings(SETTINGS, env);
  const apiKeys = [
    ...readKeys(apiKeyList, apiKeysFile, false, ["MCP_STATION_API_KEYS", "MCP_STATION_API_KEYS_FILE"]),
    ...readKeys(adminKeyList, undefined, true, ["MCP_STATION_ADMIN_KEYS", "MCP_STATION_ADMIN_KEYS"]),
  ];
  const file = registryContents(plain.serversFile);
  const { registry, registryWarnings, policy } = registryAndPolicy(file, plain.serversFile, commandPolicy, plain.allowedCommands);
  const oauth = oauthSettings(
    oauthAuthorizationServers,
    oauthResource,
    oauthScopes,
    jwtAudience,
    Boolean(jwtSecret || jwksUrl || oauthIntrospectionUrl),
  );
  const introspection = introspectionSettings(oauth, {
    url: oauthIntrospectionUrl,
    clientId: oauthIntrospectionClientId,
    clientSecret: oauthIntrospectionClientSecret,
    tokens: oauthIntrospect,
    cacheS: oauthIntrospectionCacheS,
    timeoutMs: oauthIntrospectionTimeoutMs,
    clockToleranceS: jwtClockToleranceS,
    issuers: jwtIssuer ? [jwtIssuer] : (oauth?.authorizationServers ?? []),
  });
  const groups = file.groups;
  const limits = {
    addressSpaceBytes: limitAddressSpaceBytes,
    cpuSeconds: limitCpuSeconds,
    openFiles: limitOpenFiles,
    processes: limitProcesses,
  };
  const prlimitPath = hasLimits(limits) ? Bun.which("prlimit") : null;
  if (hasLimits(limits) && !prlimitPath) throw new ConfigError("MCP_STATION_LIMIT_* needs prlimit (util-linux) on PATH");
  return {
    ...plain,
    /** No request waits longer than this, however it is extended by timeout_ms or progress. */
    maxRequestTimeoutMs: Math.max(plain.requestTimeoutMs, maxRequestTimeoutMs),
    /** on: with no credential configured, only loopback clients are served. */
    protectedMode: protectedMode === "on",
    apiKeys,
    jwt: {
      secret: jwtSecret,
      jwksUrl,
      // With OAuth on, a token comes from one of the authorization servers, and its audience is checked per request (oauth.ts).
      issuer: jwtIssuer ?? (oauth ? oauth.authorizationServers : undefined),
      audience: oauth ? undefined : jwtAudience,
      tenantClaim: jwtTenantClaim,
      adminScope: jwtAdminScope,
      clockToleranceS: jwtClockToleranceS,
    },
    /** The OAuth 2.1 resource server (src/security/oauth.ts); undefined when off. */
    oauth,
    /** Opaque tokens checked at the authorization server (src/security/introspection.ts); undefined when off. */
    introspection,
    allowedHosts: allowedHosts.map((host) => host.toLowerCase()),
    registry,
    /** The registry file's mcpGroups (docs/groups.md). */
    groups,
    registryWarnings,
    /** Who may start which registered server and call which tool: the registry file's `access` section (none: everyone, everything), replaced in place by a registry reload. */
    access: new AccessRules(file.access),
    commandPolicy: policy,
    rateLimitBurst: rateLimitBurst ?? Math.max(1, Math.ceil(plain.rateLimitPerMinute / 6)),
    limits,
    /** argv prefix that applies the limits, or [] when none is set. */
    limitPrefix: prlimitPath ? limitPrefix(limits, prlimitPath) : [],
    persistence: persistence === "on",
    registryWatch: registryWatch === "on",
    restore: restore === "on",
    restartBackoffMaxMs: Math.max(plain.restartBackoffMs, restartBackoffMaxMs),
    cluster: clusterSettings(nodeId, advertiseUrl, clusterSecret, leaseTtlMs, plain, persistence === "on"),
  };
}

/** Cluster mode: a node id and a PostgreSQL store; undefined for one station (docs/cluster.md). */
function clusterSettings(
  nodeId: string | undefined,
  advertiseUrl: string | undefined,
  secret: string | undefined,
  leaseTtlMs: number,
  plain: { databaseUrl?: string; host: string; port: number },
  persistence: boolean,
) {
  if (nodeId === undefined) return undefined;
  if (!plain.databaseUrl) throw new ConfigError("MCP_STATION_NODE_ID needs a PostgreSQL store: set MCP_STATION_DATABASE_URL");
  if (!persistence)
    throw new ConfigError("MCP_STATION_NODE_ID needs the session store: MCP_STATION_PERSISTENCE=off leaves nothing to share");
  if (!secret) throw new ConfigError("cluster mode (MCP_STATION_NODE_ID) needs MCP_STATION_CLUSTER_SECRET, the same on every node");
  // Unset: the address it listens on, with the port it got (MCP_STATION_PORT=0 picks one), known once listening.
  const host = plain.host === "0.0.0.0" || plain.host === "::" ? "127.0.0.1" : plain.host;
  return {
    nodeId,
    advertiseUrl: advertiseUrl?.replace(/\/+$/, ""),
    advertiseHost: host.includes(":") ? `[${host}]` : host,
    secret,
    leaseTtlMs,
  };
}

export type ClusterSettings = NonNullable<ReturnType<typeof clusterSettings>>;

export type Config = ReturnType<typeof loadConfig>;

/** OAuth is on when authorization servers are named; then the resource URI and a way to check signatures are required. */
function oauthSettings(
  servers: string[],
  resource: string | undefined,
  scopes: string[],
  jwtAudience: string | undefined,
  verifies: boolean,
) {
  if (servers.length === 0) {
    if (resource !== undefined)
      throw new ConfigError("MCP_STATION_OAUTH_RESOURCE is set but MCP_STATION_OAUTH_AUTHORIZATION_SERVERS is not");
    return undefined;
  }
  const bad = servers.find((server) => !URL.canParse(server));
  if (bad) throw new ConfigError(`MCP_STATION_OAUTH_AUTHORIZATION_SERVERS holds a value that is not a URL: "${bad}"`);
  if (resource === undefined) {
    throw new ConfigError(
      "MCP_STATION_OAUTH_AUTHORIZATION_SERVERS is set but MCP_STATION_OAUTH_RESOURCE is not: set it to the URL clients reach the station at " +
        "(https://station.example.com), which tokens must name as their audience; the station cannot tell it from behind a proxy",
    );
  }
  if (!verifies) {
    throw new ConfigError(
      "MCP_STATION_OAUTH_AUTHORIZATION_SERVERS needs MCP_STATION_JWT_JWKS_URL (or MCP_STATION_JWT_SECRET) to check token signatures, " +
        "or MCP_STATION_OAUTH_INTROSPECTION_URL to check opaque tokens",
    );
  }
  return { resource, authorizationServers: servers, scopes, extraAudience: jwtAudience };
}

/**
 * Token introspection is part of OAuth: its answers are checked against the resource URI, which only
 * OAuth configures, and the station authenticates to the endpoint as a client of its own.
 */
function introspectionSettings(
  oauth: ReturnType<typeof oauthSettings>,
  given: Omit<IntrospectionSettings, "url" | "clientId" | "clientSecret"> & {
    url: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
  },
): IntrospectionSettings | undefined {
  const { url, clientId, clientSecret } = given;
  if (url === undefined) {
    if (clientId !== undefined || clientSecret !== undefined)
      throw new ConfigError("MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID/SECRET are set but MCP_STATION_OAUTH_INTROSPECTION_URL is not");
    return undefined;
  }
  if (!oauth)
    throw new ConfigError(
      "MCP_STATION_OAUTH_INTROSPECTION_URL needs OAuth on: set MCP_STATION_OAUTH_AUTHORIZATION_SERVERS and MCP_STATION_OAUTH_RESOURCE",
    );
  if (clientId === undefined || clientSecret === undefined)
    throw new ConfigError(
      "MCP_STATION_OAUTH_INTROSPECTION_URL needs MCP_STATION_OAUTH_INTROSPECTION_CLIENT_ID and MCP_STATION_OAUTH_INTROSPECTION_CLIENT_SECRET: " +
        "the station authenticates to the endpoint as a client of the authorization server",
    );
  return { ...given, url, clientId, clientSecret };
}

/** The registry file read once (src/registry/registry-file.ts); empty without one. */
function registryContents(serversFile: string | undefined): RegistryContents {
  if (!serversFile) return { servers: new Map(), groups: new Map(), access: undefined, warnings: [] };
  return readRegistryFile(serversFile).parsed;
}

/** The registry file's servers, and the command policy they imply when none is set. */
function registryAndPolicy(
  file: RegistryContents,
  serversFile: string | undefined,
  chosen: Values["commandPolicy"],
  allowedCommands: string[],
) {
  const registryWarnings = file.warnings;
  const registry = file.servers;
  // A registry file means the operator chose what runs: default to running only that, unless told otherwise.
  const policy = chosen ?? (serversFile ? "registry" : "any");
  if (policy === "allowlist" && allowedCommands.length === 0 && registry.size === 0) {
    throw new ConfigError("MCP_STATION_COMMAND_POLICY=allowlist needs MCP_STATION_ALLOWED_COMMANDS or MCP_STATION_SERVERS_FILE");
  }
  return { registry, registryWarnings, policy };
}
