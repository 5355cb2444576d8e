import { expect, test } from "bun:test";
import { childEnvironment } from "../../src/process/environment.ts";

test("a child inherits only the safe base, plus what the caller adds", () => {
  const env = childEnvironment(
    { API_KEY: "for-the-child" },
    { PATH: "/usr/bin", HOME: "/root", MCP_STATION_API_KEYS: "station-secret", DATABASE_URL: "postgres://secret", LANG: "C.UTF-8" },
  );
  expect(env).toEqual({ PATH: "/usr/bin", HOME: "/root", LANG: "C.UTF-8", API_KEY: "for-the-child" });
});

test("bash exported functions are not passed on", () => {
  expect(childEnvironment({}, { SHELL: "() { :; }; echo pwned", PATH: "/bin" })).toEqual({ PATH: "/bin" });
});
