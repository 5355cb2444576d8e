/**
 * The protocol revisions the station speaks and the names the 2026-07-28
 * revision reserves in `_meta`.
 */
import { RpcCode } from "../errors/codes.ts";

/** The stateless revision: no handshake, a `_meta` envelope on every request. */
export const MODERN_VERSION = "2026-07-28";
export const MODERN_VERSIONS = [MODERN_VERSION] as const;

/** Stateful revisions with the initialize handshake, newest first. */
export const LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;

export type Era = "legacy" | "modern";

export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** JSON-RPC error code of UnsupportedProtocolVersionError (2026-07-28), from the station's one table of codes. */
export const UNSUPPORTED_PROTOCOL_VERSION = RpcCode.UnsupportedProtocolVersion;

export function isLegacyVersion(version: unknown): version is (typeof LEGACY_VERSIONS)[number] {
  return typeof version === "string" && (LEGACY_VERSIONS as readonly string[]).includes(version);
}

export function isModernVersion(version: unknown): boolean {
  return typeof version === "string" && (MODERN_VERSIONS as readonly string[]).includes(version);
}
