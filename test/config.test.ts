import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("configuration", () => {
  test("defaults follow the seed: port 20100, info logs", () => {
    const config = loadConfig({});
    expect(config.port).toBe(20100);
    expect(config.logLevel).toBe("info");
    expect(config.maxMessageBytes).toBeGreaterThanOrEqual(64 * 1024 * 1024);
  });

  test("the seed's LOG_LEVEL=INFO and Python's WARNING are understood", () => {
    expect(loadConfig({ LOG_LEVEL: "INFO" }).logLevel).toBe("info");
    expect(loadConfig({ LOG_LEVEL: "WARNING" }).logLevel).toBe("warn");
  });

  test("a bad value stops the start with a message naming the setting", () => {
    expect(() => loadConfig({ MCP_STATION_PORT: "http" })).toThrow(ConfigError);
    expect(() => loadConfig({ MCP_STATION_PORT: "70000" })).toThrow("MCP_STATION_PORT");
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow("LOG_LEVEL");
  });
});
