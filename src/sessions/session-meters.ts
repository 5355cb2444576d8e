/**
 * The counters a session feeds (src/metrics implements them): requests by
 * method and outcome, bytes each way, starts. On the hot path: plain calls,
 * no allocation beyond the caller's, and nothing at all without meters.
 */
import type { Era } from "../protocol/versions.ts";

export interface SessionMeters {
  mcpRequest(method: string, error: unknown, seconds: number): void;
  bytesToServer(bytes: number): void;
  bytesFromServer(bytes: number): void;
  started(era: Era | undefined, spawnSeconds: number, handshakeSeconds: number, ok: boolean): void;
}

/** Counts one request, sent at `started` (performance.now()): its method, outcome and duration. */
export async function metered<T>(meters: SessionMeters, method: string, started: number, sending: Promise<T>): Promise<T> {
  try {
    const result = await sending;
    meters.mcpRequest(method, undefined, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    meters.mcpRequest(method, error, (performance.now() - started) / 1000);
    throw error;
  }
}
