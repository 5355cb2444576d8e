/**
 * The station's errors and their mapping, in src/errors/: the one table of
 * statuses and codes (codes.ts), the station's failures (station-errors.ts),
 * the JSON-RPC errors that travel as they are (wire-errors.ts), and the one
 * mapper per channel (map.ts). Errors are typed where they arise, in any
 * layer, and turned into a reply in one place.
 *
 * @example
 *   throw new SessionNotFound(id)   // REST: 404 {"success":false,"error":{"code":…,"data":{"type":"session_not_found",…}}}
 */
export * from "./errors/codes.ts";
export * from "./errors/map.ts";
export * from "./errors/station-errors.ts";
export * from "./errors/wire-errors.ts";
