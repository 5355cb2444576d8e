/**
 * The station's settings, for the callers that import them from here: the
 * table is src/config/settings.ts, the loader src/config/load.ts.
 *
 * @example
 *   const config = loadConfig(process.env); // throws ConfigError on a bad value
 */
export { ConfigError } from "./config/config-error.ts";
export { type Config, loadConfig } from "./config/load.ts";
