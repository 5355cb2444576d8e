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

/** Runs one request, counting its method, outcome and duration. */
export async function metered<T>(meters: SessionMeters, method: string, send: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await send();
    meters.mcpRequest(method, undefined, (performance.now() - started) / 1000);
    return result;
  } catch (error) {
    meters.mcpRequest(method, error, (performance.now() - started) / 1000);
    throw error;
  }
}
