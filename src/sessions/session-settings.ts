/**
 * The station-wide settings every session runs under (src/config reads them;
 * the manager passes them on): sizes, deadlines, the stop's stages, what the
 * station calls itself in the handshake.
 */
import type { Implementation } from "../protocol/handshake.ts";
import type { AccessTokens } from "../remote/oauth-client.ts";
import type { AccessRules } from "../security/access-rules.ts";
import type { SecretSource } from "./launch-secrets.ts";
import type { StationMeters } from "./session-meters.ts";
import type { ToolGuard } from "./tool-guard.ts";

export interface SessionSettings {
  maxMessageBytes: number;
  stderrBytes: number;
  eventBufferSize: number;
  requestTimeoutMs: number;
  maxRequestTimeoutMs: number;
  startTimeoutMs: number;
  probeTimeoutMs: number;
  stopGraceMs: number;
  stopTermMs: number;
  clientInfo: Implementation;
  /** argv prefix that applies resource limits (prlimit ...), empty for none. */
  limitPrefix?: string[];
  /** Requests waiting on this server at once; past it, TooManyRequests. 0 or unset: no limit. */
  maxInFlightPerSession?: number;
  /** Which tools each caller may list and call (the registry file's `access`); none: every tool. */
  access?: AccessRules;
  /** Metrics (src/metrics/station-metrics.ts); none in unit tests. */
  meters?: StationMeters;
  /** Tenants' secrets, for launches that name one (src/secrets); none: such launches fail with SecretMissing. */
  secrets?: SecretSource;
  /** Tokens for remote servers' OAuth, per (entry, tenant), in memory (src/remote/oauth-client.ts); none: a token per connection. */
  accessTokens?: AccessTokens;
  /** Pinned tools of registered servers (src/pins); none: MCP_STATION_TOOL_PINNING=off. */
  toolGuard?: ToolGuard;
}
