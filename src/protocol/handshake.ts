/**
 * Finding a server's protocol era and completing its handshake, as the
 * 2026-07-28 backward-compatibility rule for stdio describes: probe with
 * `server/discover` carrying the modern `_meta`; a result means a modern
 * server; UnsupportedProtocolVersionError lists what it speaks instead; any
 * other error, or silence, means a legacy server, which gets `initialize`.
 *
 * Real legacy servers answer the probe with -32601, -32602, or nothing, so the
 * fallback keys on "not a discover result", never on one error code. A slow
 * server is not mistaken for a silent one: once the probe's short deadline
 * passes, `initialize` is sent too and whichever era answers first wins.
 */
import type { JsonRpcPeer } from "../jsonrpc/peer.ts";
import { type JsonRpcResponse, isFailure } from "../jsonrpc/messages.ts";
import { StartFailed } from "../errors.ts";
import {
  type Era,
  LEGACY_VERSIONS,
  META,
  MODERN_VERSION,
  UNSUPPORTED_PROTOCOL_VERSION,
  isLegacyVersion,
  isModernVersion,
} from "./versions.ts";

export interface Implementation {
  name: string;
  version: string;
  [key: string]: unknown;
}

/** What the station learnt from the handshake; shown in the session's info. */
export interface ServerIdentity {
  era: Era;
  protocolVersion: string;
  serverInfo: Implementation | null;
  capabilities: Record<string, unknown>;
  instructions: string | null;
  /** The raw `initialize` or `server/discover` result. */
  handshakeResult: Record<string, unknown>;
  /** "probe" when server/discover was tried first; "cache" when a known legacy command went straight to initialize. */
  eraSource?: "probe" | "cache";
}

export interface HandshakeOptions {
  clientInfo: Implementation;
  /** Capabilities declared to a legacy server: only what the station honours. */
  legacyCapabilities: Record<string, unknown>;
  probeTimeoutMs: number;
  startTimeoutMs: number;
  /** The era this command had last time, to skip the probe. */
  knownEra?: Era;
}

/** The `_meta` envelope the station puts on requests to a modern server. */
export function modernEnvelope(clientInfo: Implementation, capabilities: Record<string, unknown> = {}) {
  return {
    [META.protocolVersion]: MODERN_VERSION,
    [META.clientInfo]: clientInfo,
    [META.clientCapabilities]: capabilities,
  };
}

type Outcome = { era: Era; identity: ServerIdentity } | { era: Era; rejected: string; supported?: string[] };

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function readDiscover(response: JsonRpcResponse): Outcome {
  if (isFailure(response)) {
    const { code, message, data } = response.error;
    const supported = code === UNSUPPORTED_PROTOCOL_VERSION ? asRecord(data).supported : undefined;
    return {
      era: "modern",
      rejected: `server/discover failed: ${code} ${message}`,
      supported: Array.isArray(supported) ? supported.filter((v): v is string => typeof v === "string") : undefined,
    };
  }
  const result = asRecord(response.result);
  const versions = Array.isArray(result.supportedVersions) ? result.supportedVersions : [];
  if (!versions.some(isModernVersion)) {
    return {
      era: "modern",
      rejected: `server/discover listed no version the station speaks (${versions.join(", ")})`,
      supported: versions,
    };
  }
  const meta = asRecord(result._meta);
  return {
    era: "modern",
    identity: {
      era: "modern",
      protocolVersion: MODERN_VERSION,
      serverInfo: (meta[META.serverInfo] as Implementation | undefined) ?? (result.serverInfo as Implementation | undefined) ?? null,
      capabilities: asRecord(result.capabilities),
      instructions: typeof result.instructions === "string" ? result.instructions : null,
      handshakeResult: result,
    },
  };
}

function readInitialize(response: JsonRpcResponse): Outcome {
  if (isFailure(response)) {
    return { era: "legacy", rejected: `initialize failed: ${response.error.code} ${response.error.message}` };
  }
  const result = asRecord(response.result);
  // The spec: a client that does not support the version the server chose should disconnect.
  if (!isLegacyVersion(result.protocolVersion)) {
    return {
      era: "legacy",
      rejected: `initialize answered protocol version ${String(result.protocolVersion)}, which the station does not speak`,
    };
  }
  return {
    era: "legacy",
    identity: {
      era: "legacy",
      protocolVersion: result.protocolVersion,
      serverInfo: (result.serverInfo as Implementation | undefined) ?? null,
      capabilities: asRecord(result.capabilities),
      instructions: typeof result.instructions === "string" ? result.instructions : null,
      handshakeResult: result,
    },
  };
}

export async function handshake(peer: JsonRpcPeer, options: HandshakeOptions): Promise<ServerIdentity> {
  const deadline = { timeoutMs: options.startTimeoutMs };
  const attempts: Promise<Outcome>[] = [];
  const ids: number[] = [];
  const rejections: string[] = [];

  const sendDiscover = () => {
    const sent = peer.request("server/discover", { _meta: modernEnvelope(options.clientInfo) }, deadline);
    ids.push(sent.id);
    return sent.response.then(readDiscover);
  };
  const sendInitialize = () => {
    const sent = peer.request(
      "initialize",
      { protocolVersion: LEGACY_VERSIONS[0], capabilities: options.legacyCapabilities, clientInfo: options.clientInfo },
      deadline,
    );
    ids.push(sent.id);
    return sent.response.then(readInitialize);
  };

  /** An initialize sent while the probe was still unanswered: it crosses the probe. */
  let crossing: Promise<Outcome> | undefined;
  if (options.knownEra === "legacy") {
    attempts.push(sendInitialize());
  } else {
    const discover = sendDiscover();
    attempts.push(discover);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await Promise.race([
      discover.then(
        (outcome) => outcome,
        () => null,
      ),
      new Promise<"slow">((resolve) => {
        timer = setTimeout(() => resolve("slow"), options.probeTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (first !== "slow" && first !== null) {
      if ("identity" in first) return { ...first.identity, eraSource: "probe" };
      rejections.push(first.rejected);
      // A modern server that rejected our version but speaks a legacy one, or a legacy server: initialize.
      if (first.supported && !first.supported.some(isLegacyVersion) && first.supported.length > 0) {
        throw new StartFailed(`the server speaks only protocol versions ${first.supported.join(", ")}`, {
          supported: first.supported,
        });
      }
      attempts.length = 0;
    }
    const initializing = sendInitialize();
    if (first === "slow") crossing = initializing;
    attempts.push(initializing);
  }

  // Whichever attempt yields an identity first wins; the others are cancelled.
  let identity = await firstIdentity(attempts, rejections);
  if (identity.era === "modern" && crossing) {
    // A dual-era server may answer server/discover without fixing its era, and take the next request as
    // its handshake (the v2 SDK's serveStdio): an initialize that crossed the late probe then makes it a
    // legacy server for life, whichever answer came first. Its answer follows the probe's at once.
    identity = (await legacyWithin(crossing, options.probeTimeoutMs)) ?? identity;
  }
  identity.eraSource = options.knownEra === "legacy" ? "cache" : "probe";
  for (const id of ids) {
    // The spec forbids cancelling initialize; the losing probe may be cancelled.
    if (peer.correlator.methodOf(id) === "initialize") peer.correlator.fail(id, new Error("superseded"));
    else peer.cancel(id, new Error("superseded"), "handshake finished");
  }
  if (identity.era === "legacy") peer.notify("notifications/initialized");
  return identity;
}

/** The legacy identity an initialize yields within `ms`, if it does. */
function legacyWithin(attempt: Promise<Outcome>, ms: number): Promise<ServerIdentity | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    attempt.then(
      (outcome) => {
        clearTimeout(timer);
        resolve("identity" in outcome ? outcome.identity : undefined);
      },
      () => {
        clearTimeout(timer);
        resolve(undefined);
      },
    );
  });
}

function firstIdentity(attempts: Promise<Outcome>[], rejections: string[]): Promise<ServerIdentity> {
  return new Promise((resolve, reject) => {
    let open = attempts.length;
    let localError: Error | undefined;
    const settleOne = () => {
      open -= 1;
      if (open > 0) return;
      if (localError && rejections.length === 0) reject(localError);
      else reject(new StartFailed(`the server did not complete the MCP handshake: ${rejections.join("; ")}`, { reasons: rejections }));
    };
    for (const attempt of attempts) {
      attempt.then(
        (outcome) => {
          if ("identity" in outcome) resolve(outcome.identity);
          else {
            rejections.push(outcome.rejected);
            settleOne();
          }
        },
        (error: Error) => {
          localError ??= error;
          settleOne();
        },
      );
    }
  });
}

/** `initialize` sent through the API returns the handshake as an initialize result, whatever the era. */
export function asInitializeResult(identity: ServerIdentity): Record<string, unknown> {
  if (identity.era === "legacy") return identity.handshakeResult;
  const result: Record<string, unknown> = {
    protocolVersion: identity.protocolVersion,
    capabilities: identity.capabilities,
    serverInfo: identity.serverInfo ?? { name: "unknown", version: "unknown" },
  };
  if (identity.instructions) result.instructions = identity.instructions;
  return result;
}

/** `server/discover` sent through the API returns the handshake as a discover result, whatever the era. */
export function asDiscoverResult(identity: ServerIdentity): Record<string, unknown> {
  if (identity.era === "modern") return identity.handshakeResult;
  const result: Record<string, unknown> = {
    resultType: "complete",
    supportedVersions: [identity.protocolVersion],
    capabilities: identity.capabilities,
  };
  if (identity.instructions) result.instructions = identity.instructions;
  if (identity.serverInfo) result._meta = { [META.serverInfo]: identity.serverInfo };
  return result;
}
