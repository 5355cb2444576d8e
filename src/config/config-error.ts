/**
 * A setting the station cannot start with. Its own module, imported by every
 * parser of a setting (the registry file, API keys, the warm pool), so none
 * of them has to import the loader that imports them.
 *
 * @example
 *   throw new ConfigError('MCP_STATION_PORT must be a whole number from 0 to 65535, got "http"');
 *   throw new ConfigError(`MCP_STATION_SERVERS_FILE ${path}: ${error.message}`, { cause: error });
 */
export class ConfigError extends Error {
  override name = "ConfigError";
}
