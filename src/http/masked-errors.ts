/**
 * Unknown failures on the live channels (the WebSocket, the MCP endpoints):
 * their callers get a bare -32603 "internal error" (src/errors/map.ts masks
 * it), so the log must have all of it, the causes behind it included, as the
 * REST error plugin logs its own. The station's own errors and a server's
 * answers are not failures of the station: they are not logged here.
 *
 * @example
 *   reportMasked(log, error, { session_id, method: "tools/call" });
 */
import { ProtocolError, RemoteError, StationError, causeChain } from "../errors.ts";
import type { Fields, Logger } from "../log.ts";

/** Whether the mappers mask `error` to the caller (internal_error): nothing of the station's own family. */
export function isMasked(error: unknown): boolean {
  return !(error instanceof StationError || error instanceof RemoteError || error instanceof ProtocolError);
}

/** Logs `error` in full when the caller is sent only the masked answer; does nothing otherwise. */
export function reportMasked(log: Logger, error: unknown, fields: Fields): void {
  if (!isMasked(error)) return;
  const causes = causeChain(error);
  log.error("unhandled error", {
    err: error instanceof Error ? error : String(error),
    ...(causes.length > 0 ? { causes } : {}),
    ...fields,
  });
}
