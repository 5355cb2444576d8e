/**
 * The meters the sessions feed (src/metrics implements them): each caller's
 * request by server, method or tool and outcome, with its time split between
 * the server and the station; bytes each way; starts. A session finds its
 * server's meters once (forServer), so a request costs plain calls on cells
 * found before, with no labels built; without meters, nothing at all.
 *
 * @example
 *   const meters = settings.meters?.forServer(serverLabel(spec)); // once per session
 *   const clock = new RequestClock();                             // per request
 *   await metered(meters, "tools/call", params, clock, connection.request("tools/call", params, {}, clock));
 */
import { basename } from "node:path";
import type { Era } from "../protocol/versions.ts";
import type { SessionSpec } from "./launch-request.ts";

/** The station's meters, one set for every session. */
export interface StationMeters {
  /** The meters of one server, shared by all its sessions; asked once per session. */
  forServer(server: string): SessionMeters;
  started(era: Era | undefined, spawnSeconds: number, handshakeSeconds: number, ok: boolean): void;
}

/** What one session feeds: its server's meters, shared with the server's other sessions. */
export interface SessionMeters {
  /** A caller's request ended, with `result` or `error`; `clock` holds when it began and the server's share. */
  request(method: string, params: Record<string, unknown> | undefined, result: unknown, error: unknown, clock: RequestClock): void;
  bytesToServer(bytes: number): void;
  bytesFromServer(bytes: number): void;
}

/**
 * One caller's request: when the station took it, and how long the server
 * held it, from each write to the server to its answer (server-connection.ts
 * adds each round trip; a bridged request may make none). The rest of the
 * request's time is the station's.
 */
export class RequestClock {
  readonly startedAt = performance.now();
  serverMs = 0;
}

/** Counts one request when `sending` settles; its result or error passes through untouched. */
export async function metered<T>(
  meters: SessionMeters,
  method: string,
  params: Record<string, unknown> | undefined,
  clock: RequestClock,
  sending: Promise<T>,
): Promise<T> {
  try {
    const result = await sending;
    meters.request(method, params, result, undefined, clock);
    return result;
  } catch (error) {
    meters.request(method, params, undefined, error, clock);
    throw error;
  }
}

/**
 * What the metrics call a session's server: its registry name, else its
 * command's file name (the path may name a user's home, and the label is
 * the same wherever the command lives).
 */
export function serverLabel(spec: Pick<SessionSpec, "server" | "server_command">): string {
  return spec.server ?? basename(spec.server_command);
}
