/**
 * `mcp-station --healthcheck` asks /healthz where the station listens:
 * MCP_STATION_HOST (a wildcard becomes the loopback address of its family)
 * and MCP_STATION_PORT. Run as the container's HEALTHCHECK, in the station's
 * own environment.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { healthcheckUrl, readycheckUrl } from "../../src/health/probe-command.ts";
import { FROM_SOURCE, type StationProcess, spawnStation } from "../support/station-process.ts";

describe("the address --healthcheck probes", () => {
  test("a wildcard bind is probed on the loopback address of its family", () => {
    expect(healthcheckUrl({})).toBe("http://127.0.0.1:20100/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "0.0.0.0", MCP_STATION_PORT: "8080" })).toBe("http://127.0.0.1:8080/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "::" })).toBe("http://[::1]:20100/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "[::]" })).toBe("http://[::1]:20100/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: " ", MCP_STATION_PORT: "" })).toBe("http://127.0.0.1:20100/healthz");
  });

  test("a specific address or name is probed as it is", () => {
    expect(healthcheckUrl({ MCP_STATION_HOST: "10.1.2.3", MCP_STATION_PORT: "9000" })).toBe("http://10.1.2.3:9000/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "fd00::5" })).toBe("http://[fd00::5]:20100/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "::1" })).toBe("http://[::1]:20100/healthz");
    expect(healthcheckUrl({ MCP_STATION_HOST: "localhost" })).toBe("http://localhost:20100/healthz");
  });
});

describe("mcp-station --healthcheck", () => {
  let station: StationProcess;
  afterAll(() => station?.stop());

  function healthcheck(env: Record<string, string>): number | null {
    return Bun.spawnSync([...FROM_SOURCE, "--healthcheck"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdout: "pipe",
      stderr: "pipe",
    }).exitCode;
  }

  test("exits 0 for a station bound to a specific address other than 127.0.0.1, 1 where nothing answers", async () => {
    // 127.0.0.2 is a loopback address on Linux, but a socket bound to it does not answer on 127.0.0.1.
    station = await spawnStation(FROM_SOURCE, { MCP_STATION_HOST: "127.0.0.2" });
    const port = String(station.logs.find((l) => l.msg === "mcp-station listening")!.port);
    expect(healthcheck({ MCP_STATION_HOST: "127.0.0.2", MCP_STATION_PORT: port })).toBe(0);
    expect(healthcheck({ MCP_STATION_HOST: "127.0.0.1", MCP_STATION_PORT: port })).toBe(1);
    await station.stop();
    expect(healthcheck({ MCP_STATION_HOST: "127.0.0.2", MCP_STATION_PORT: port })).toBe(1);
  });
});

describe("mcp-station --readycheck", () => {
  let station: StationProcess;
  afterAll(() => station?.stop());
  const key = "probe-key-0123456789abcdef";

  function readycheck(env: Record<string, string>): { code: number | null; stderr: string } {
    const p = Bun.spawnSync([...FROM_SOURCE, "--readycheck"], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    return { code: p.exitCode, stderr: p.stderr.toString() };
  }

  test("asks /readyz with the station's own first API key: 0 when ready, 1 with a reason otherwise", async () => {
    expect(readycheckUrl({ MCP_STATION_PORT: "8080" })).toBe("http://127.0.0.1:8080/readyz");
    station = await spawnStation(FROM_SOURCE, { MCP_STATION_API_KEYS: key });
    const port = String(station.logs.find((l) => l.msg === "mcp-station listening")!.port);
    // Behind the gate: without the key, /readyz refuses even a loopback caller once a key is configured.
    expect((await fetch(`${station.url}/readyz`)).status).toBe(401);
    expect(readycheck({ MCP_STATION_PORT: port, MCP_STATION_API_KEYS: key }).code).toBe(0);
    const wrongKey = readycheck({ MCP_STATION_PORT: port, MCP_STATION_API_KEYS: "another-key-0123456789" });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain("/readyz answered 401");
    await station.stop();
    expect(readycheck({ MCP_STATION_PORT: port, MCP_STATION_API_KEYS: key }).code).toBe(1);
  });
});
