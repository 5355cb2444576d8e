/**
 * The station at the kernel's limits on its own resources, run as users run it: under a low
 * RLIMIT_NOFILE (prlimit), and as root also as nobody under a low RLIMIT_NPROC (root itself is
 * exempt from NPROC). The session that does not fit gets a clean 503 capacity_exceeded; the
 * station does not crash or hang, every session it has goes on answering, a freed slot can be
 * used again, and no server is left after the sessions are deleted. Every HTTP call has a
 * deadline, so a hang fails the test instead of stalling it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { waitGone } from "../support/processes.ts";
import { BUN, FROM_SOURCE, type StationProcess, spawnStation } from "../support/station-process.ts";

const running: StationProcess[] = [];
afterAll(async () => {
  for (const station of running) if (station.proc.exitCode === null) await station.stop("SIGKILL");
});

async function call(url: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: init?.method ?? "GET",
    headers: { "content-type": "application/json" },
    body: init?.json === undefined ? undefined : JSON.stringify(init.json),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

interface Held {
  id: string;
  pid: number;
}

/** Creates sessions one by one until the station refuses one; returns those it holds and the refusal. */
async function fillUntilRefused(station: StationProcess, spec: object, atMost: number) {
  const held: Held[] = [];
  for (let i = 0; i < atMost; i++) {
    const created = await call(`${station.url}/sessions`, { method: "POST", json: spec });
    if (created.status !== 200) return { held, refused: created };
    held.push({ id: created.body.session_id, pid: created.body.pid });
  }
  throw new Error(`the station took ${atMost} sessions without reaching its limit`);
}

/** Every held session answers its own token, all at once (one connection each). */
async function expectAllAnswer(station: StationProcess, held: Held[], argument: string) {
  const answers = await Promise.all(
    held.map(({ id }) =>
      call(`${station.url}/mcp/request`, {
        method: "POST",
        json: { session_id: id, method: "tools/call", params: { name: "echo", arguments: { [argument]: `token-${id}` } } },
      }),
    ),
  );
  expect(answers.map((answer) => answer.body?.data?.content?.[0]?.text)).toEqual(held.map(({ id }) => `token-${id}`));
}

async function deleteAll(station: StationProcess, held: Held[]) {
  for (const { id } of held) expect((await call(`${station.url}/sessions/${id}`, { method: "DELETE" })).status).toBe(200);
  for (const { pid } of held) expect(await waitGone(pid)).toBe(true);
}

describe.skipIf(!Bun.which("prlimit"))("under a low RLIMIT_NOFILE", () => {
  test("the session past the open-file budget gets 503 capacity_exceeded; the others go on answering", async () => {
    const station = await spawnStation(["prlimit", "--nofile=96:96", "--", ...FROM_SOURCE], { MCP_STATION_MAX_SESSIONS: "1000" });
    running.push(station);
    const spec = { server_command: fixture("echo.mjs") };
    const { held, refused } = await fillUntilRefused(station, spec, 40);
    expect(refused.status).toBe(503);
    expect(refused.body.error.data).toMatchObject({ type: "capacity_exceeded", open_file_limit: 96 });
    // Four descriptors a server, a reserve of 32 kept for connections: about 14 fit beside the runtime's own.
    expect(held.length).toBeGreaterThanOrEqual(8);
    // Said at start, before any caller met it.
    expect(station.logs.find((line) => line.msg === "the open-file limit holds fewer servers than MCP_STATION_MAX_SESSIONS")).toMatchObject(
      {
        level: "warn",
        open_file_limit: 96,
        max_sessions: 1000,
      },
    );
    // A slot freed is usable again (before the burst below: its connections stay open, and count).
    const [first, ...rest] = held;
    expect((await call(`${station.url}/sessions/${first!.id}`, { method: "DELETE" })).status).toBe(200);
    const again = await call(`${station.url}/sessions`, { method: "POST", json: spec });
    expect(again.status).toBe(200);
    rest.push({ id: again.body.session_id, pid: again.body.pid });
    // As many callers at once as there are sessions: each needs a descriptor for its connection,
    // which the reserve holds (without it, callers past the limit waited in the listen backlog).
    await expectAllAnswer(station, rest, "text");
    expect((await call(`${station.url}/healthz`)).status).toBe(200);
    // Refused again, not crashed.
    expect((await call(`${station.url}/sessions`, { method: "POST", json: spec })).status).toBe(503);
    await deleteAll(station, rest);
    expect(station.proc.exitCode).toBeNull();
  });
});

/** Python for nobody: a system interpreter (pyenv's shims live under /root, which nobody cannot read). */
const SYSTEM_PYTHON = ["/usr/bin/python3", "/usr/local/bin/python3"].find((path) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
const ECHO_PY = join(REPO_ROOT, "bench", "servers", "echo.py");
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0 && Bun.which("setpriv") !== null && Bun.which("prlimit") !== null && SYSTEM_PYTHON !== undefined;

/** Processes and threads of `uid` now: RLIMIT_NPROC counts them all, whoever started them. */
function tasksOf(uid: number): number {
  let tasks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, "utf8");
      if (Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]) === uid) tasks += Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 1);
    } catch {
      // gone meanwhile
    }
  }
  return tasks;
}

// RLIMIT_NPROC does not bind root (CAP_SYS_RESOURCE): the station runs as nobody, which only root can arrange.
describe.skipIf(!asRoot)("under a low RLIMIT_NPROC, as nobody", () => {
  const home = mkdtempSync(join(tmpdir(), "mcp-station-nproc-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  test("the session past the process limit gets 503 capacity_exceeded naming EAGAIN; the others go on answering", async () => {
    // The station's own threads (about 10) plus 12 single-threaded servers.
    const limit = tasksOf(NOBODY) + 22;
    const asNobody = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", "prlimit", `--nproc=${limit}:${limit}`, "--"];
    const station = await spawnStation(
      [...asNobody, BUN, join(REPO_ROOT, "src", "index.ts")],
      { HOME: home, MCP_STATION_MAX_SESSIONS: "1000" },
      home,
    );
    running.push(station);
    // -S: no site module, one thread, about 10 MB.
    const spec = { server_command: SYSTEM_PYTHON, server_args: ["-S", ECHO_PY] };
    const { held, refused } = await fillUntilRefused(station, spec, 40);
    expect(refused.status).toBe(503);
    expect(refused.body.error.data).toMatchObject({ type: "capacity_exceeded", errno: "EAGAIN" });
    expect(held.length).toBeGreaterThanOrEqual(4);
    await expectAllAnswer(station, held, "message");
    expect((await call(`${station.url}/healthz`)).status).toBe(200);
    await deleteAll(station, held);
    expect(station.proc.exitCode).toBeNull();
  });
});
