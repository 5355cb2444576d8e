/**
 * Issue 14: a server that dies under load. Between the death and the moment
 * the station knows the exit (spawn.ts drains stdout and stderr first), the
 * session still says running and a write to the server fails. Whichever
 * instant the server dies at, its callers get the typed ServerExited (502
 * server_exited with exit code and stderr tail), never an untyped error (500).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ServerExited, SessionNotRunning, StationError } from "../../src/errors.ts";
import { fixture } from "../setup/paths.ts";
import { type TestStation, startStation } from "../support/station.ts";

let station: TestStation;

beforeAll(async () => {
  station = await startStation();
});
afterAll(() => station.stop());

async function open(command: string): Promise<{ session_id: string; pid: number }> {
  const res = await station.create({ server_command: fixture(command) });
  expect(res.status).toBe(200);
  return res.body;
}

const echo = (text: string) => ({ name: "echo", arguments: { text } });

async function closeStdin(sessionId: string, exitAfterMs: number): Promise<void> {
  const res = await station.mcp(sessionId, "tools/call", { name: "close_stdin", arguments: { exit_after_ms: exitAfterMs } });
  expect(res.body.data.content[0].text).toBe("stdin closed");
}

/** How each request of a batch ended: the result's text, or the error it was rejected with. */
async function outcomes(requests: Promise<unknown>[]): Promise<unknown[]> {
  return Promise.all(requests.map((request) => request.catch((error: unknown) => error)));
}

describe("a request written after the server's stdin broke", () => {
  test("at the session: fails with ServerExited carrying the exit code and stderr tail, once the exit is known", async () => {
    const { session_id } = await open("close-stdin.mjs");
    const session = station.manager.get(session_id);
    await closeStdin(session_id, 300);
    expect(session.status).toBe("running"); // the window: the server cannot read, and its exit is not known yet
    const ended = await outcomes(Array.from({ length: 20 }, (_, i) => session.request("tools/call", echo(`late ${i}`))));
    for (const error of ended) {
      expect(error).toBeInstanceOf(ServerExited);
      expect((error as ServerExited).details).toMatchObject({ exit_code: 4, exit_signal: null });
      expect((error as ServerExited).details.stderr_tail).toContain("stdin closed");
      expect((error as Error).cause).toBeInstanceOf(Error); // the write's own failure (EPIPE), kept for the log
    }
    expect(session.status).toBe("exited");
  });

  test("through HTTP: 502 server_exited with the exit code, never 500", async () => {
    const { session_id } = await open("close-stdin.mjs");
    await closeStdin(session_id, 300);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => station.mcp(session_id, "tools/call", echo(`late ${i}`))));
    for (const answer of answers) {
      expect(answer.status).toBe(502);
      expect(answer.body.error.data).toMatchObject({ type: "server_exited", exit_code: 4 });
    }
  });

  test("a server that closes its stdin and lives on: the request fails with ServerExited within a bound, not at its deadline", async () => {
    const { session_id } = await open("close-stdin.mjs");
    const session = station.manager.get(session_id);
    await closeStdin(session_id, -1);
    const started = performance.now();
    const [error] = await outcomes([session.request("tools/call", echo("nobody reads"), { timeoutMs: 10_000 })]);
    expect(error).toBeInstanceOf(ServerExited);
    expect((error as Error).message).toContain("has not exited");
    expect(performance.now() - started).toBeLessThan(5_000);
    // A notification finds the same broken pipe: typed too.
    expect(() => session.notify("notifications/roots/list_changed", undefined)).toThrow(ServerExited);
    expect((await station.call("DELETE", `/sessions/${session_id}`)).status).toBe(200);
  });
});

describe("a server SIGKILLed while many requests are being sent", () => {
  test("every request either succeeds or fails with a StationError; once the server is gone, 409", async () => {
    const { session_id, pid } = await open("echo.mjs");
    const session = station.manager.get(session_id);
    let answered = 0;
    const failures: unknown[] = [];
    const send = (text: string) =>
      session.request("tools/call", echo(text)).then(
        () => {
          answered += 1;
        },
        (error: unknown) => failures.push(error),
      );
    let burst: Promise<unknown>[] = [];
    const caller = async (n: number) => {
      for (let i = 0; !failures.some((error) => error instanceof SessionNotRunning); i++) {
        await send(`${n}-${i}`);
        if (answered >= 200 && burst.length === 0) {
          process.kill(pid, "SIGKILL");
          // Written while the process is dying or dead, before the station can know it.
          burst = Array.from({ length: 50 }, (_, j) => send(`burst ${j}`));
        }
      }
    };
    await Promise.all([...Array.from({ length: 16 }, (_, n) => caller(n)), ...burst]);
    expect(answered).toBeGreaterThanOrEqual(200);
    for (const error of failures) {
      expect(error).toBeInstanceOf(StationError);
      expect([ServerExited, SessionNotRunning].some((type) => error instanceof type)).toBe(true);
    }
  });

  test("through HTTP: no answer is a 500", async () => {
    const { session_id, pid } = await open("echo.mjs");
    const statuses = new Map<string, number>();
    let answered = 0;
    const caller = async (n: number) => {
      for (let i = 0; ; i++) {
        const res = await station.mcp(session_id, "tools/call", echo(`${n}-${i}`));
        const key = `${res.status} ${res.body.error?.data?.type ?? "ok"}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (res.status === 200 && ++answered === 100) process.kill(pid, "SIGKILL");
        if (res.status === 409) return;
      }
    };
    await Promise.all(Array.from({ length: 16 }, (_, n) => caller(n)));
    for (const key of statuses.keys()) expect(["200 ok", "502 server_exited", "409 session_not_running"]).toContain(key);
  });
});
