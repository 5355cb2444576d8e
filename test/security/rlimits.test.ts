/**
 * Resource limits, for real, through prlimit: the open-files limit is what the
 * server sees; a server past its CPU time is ended by the kernel (SIGXCPU) and
 * its session says why; the station and other sessions carry on.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config.ts";
import { limitExitReason, limitPrefix } from "../../src/security/rlimits.ts";
import { fixture } from "../setup/paths.ts";
import { eventually } from "../support/processes.ts";
import { LIMITS_FIXTURE, type LoggedStation, startLoggedStation } from "./support.ts";

let station: LoggedStation | undefined;
afterEach(async () => {
  await station?.stop();
  station = undefined;
});

const callTool = (s: LoggedStation, id: string, name: string, args: Record<string, unknown> = {}) =>
  s.call("POST", "/mcp/request", { session_id: id, method: "tools/call", params: { name, arguments: args } });

test("no limit configured: no wrapper, the argv runs as it is", () => {
  expect(loadConfig({}).limitPrefix).toEqual([]);
  expect(limitPrefix({ cpuSeconds: 0 }, "/usr/bin/prlimit")).toEqual([]);
  expect(limitPrefix({ cpuSeconds: 5, openFiles: 64, addressSpaceBytes: 1 << 30, processes: 100 }, "/usr/bin/prlimit")).toEqual([
    "/usr/bin/prlimit",
    "--as=1073741824",
    "--cpu=5:6",
    "--nofile=64",
    "--nproc=100",
    "--core=0",
    "--",
  ]);
  expect(limitExitReason("SIGXCPU")).toContain("MCP_STATION_LIMIT_CPU_SECONDS");
});

describe.skipIf(!Bun.which("prlimit"))("with prlimit", () => {
  test("a server under an open-files limit cannot open past it; without the limit it can", async () => {
    station = await startLoggedStation({ MCP_STATION_LIMIT_OPEN_FILES: "64" });
    const limited = await station.call("POST", "/sessions", { server_command: LIMITS_FIXTURE });
    expect(limited.status).toBe(200);
    const answer = (await callTool(station, limited.body.session_id, "open_files", { count: 200 })).body.data.content[0].text as string;
    const [, opened, failure] = answer.split(" ");
    expect(Number(opened)).toBeLessThan(64);
    expect(failure).toBe("EMFILE");
    await station.stop();

    station = await startLoggedStation({});
    const free = await station.call("POST", "/sessions", { server_command: LIMITS_FIXTURE });
    expect((await callTool(station, free.body.session_id, "open_files", { count: 200 })).body.data.content[0].text).toBe("opened 200 none");
  });

  test("an address-space limit reaches the server: a large allocation fails inside it, and the station carries on", async () => {
    const limit = 1024 * 1024 * 1024;
    station = await startLoggedStation({ MCP_STATION_LIMIT_ADDRESS_SPACE_BYTES: String(limit), MCP_STATION_LIMIT_OPEN_FILES: "128" });
    const created = await station.call("POST", "/sessions", { server_command: LIMITS_FIXTURE });
    expect(created.status).toBe(200);
    // The kernel's own record of the server's limits.
    const limits = await Bun.file(`/proc/${created.body.pid}/limits`).text();
    expect(limits).toMatch(new RegExp(`Max address space\\s+${limit}\\s+${limit}`));
    expect(limits).toMatch(/Max open files\s+128\s+128/);
    expect(limits).toMatch(/Max core file size\s+0\s+0/);
    const answer = (await callTool(station, created.body.session_id, "alloc", { bytes: 2 * limit })).body.data.content[0].text as string;
    expect(answer).toStartWith("failed");
    expect((await callTool(station, created.body.session_id, "echo", { text: "alive" })).body.data.content[0].text).toBe("alive");
  });

  test("a server past its CPU time is ended by SIGXCPU: its request fails, its session says why, the station carries on", async () => {
    station = await startLoggedStation({ MCP_STATION_LIMIT_CPU_SECONDS: "1" });
    const s = station;
    const spinner = (await s.call("POST", "/sessions", { server_command: LIMITS_FIXTURE })).body.session_id;
    const bystander = (await s.call("POST", "/sessions", { server_command: fixture("echo.mjs") })).body.session_id;
    const failed = await callTool(s, spinner, "spin");
    expect(failed.status).toBe(502);
    await eventually(async () => (await s.call("GET", `/sessions/${spinner}`)).body.status === "exited");
    const info = (await s.call("GET", `/sessions/${spinner}`)).body;
    expect(info.exit_signal).toBe("SIGXCPU");
    expect(info.exit_reason).toContain("CPU time limit");
    expect(info.crashed).toBe(true);
    expect((await callTool(s, bystander, "echo", { text: "still here" })).body.data.content[0].text).toBe("still here");
    expect((await s.call("GET", "/healthz")).status).toBe(200);
  });
});
