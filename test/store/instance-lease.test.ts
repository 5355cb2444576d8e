/**
 * One station per store instance, held by a lock the kernel (SQLite: flock on
 * a file in the data directory) or PostgreSQL (an advisory lock) drops when
 * its holder dies. On real station processes: a station killed with SIGKILL
 * is replaced at once, with no lease to wait out, even while a server it
 * started is still running; a second live station is refused and told who
 * holds the instance.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readdirSync, readlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { SQL } from "bun";
import { lockAdvisory } from "../../src/store/advisory-lock.ts";
import { lockFile } from "../../src/store/file-lock.ts";
import { instanceLockFile, instanceLockName } from "../../src/store/instance-lease.ts";
import { POSTGRES_URL, storeKinds } from "../ops/support.ts";
import { fixture } from "../setup/paths.ts";
import { eventually, isRunning, waitGone } from "../support/processes.ts";
import { FROM_SOURCE, type StationProcess, json, spawnStation } from "../support/station-process.ts";

const running: StationProcess[] = [];
const strays: number[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) if (s.proc.exitCode === null) await s.stop("SIGKILL");
  for (const pid of strays.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
});

const noEvents = { lost: () => {}, unreachable: () => {} };

describe("the locks themselves", () => {
  test("flock: a second open of the file cannot take it until the first releases", () => {
    const path = instanceLockFile({ dataDir: tmpdir(), instance: `t${process.pid}`, tablePrefix: "mcp_station_" });
    const first = lockFile(path);
    expect(first).toBeDefined();
    expect(lockFile(path)).toBeUndefined();
    first!.release();
    const again = lockFile(path);
    expect(again).toBeDefined();
    again!.release();
  });

  test("an instance name that is not a plain word still gets a lock file inside the data directory", () => {
    const path = instanceLockFile({ dataDir: "/data", instance: "../x y", tablePrefix: "p_" });
    expect(path).toMatch(/^\/data\/mcp-station\.p_[0-9a-f]{16}\.lock$/);
  });

  test("advisory lock: a second connection cannot take it until the first releases; PostgreSQL shows who holds it", async () => {
    const name = instanceLockName({ dataDir: "", instance: `t${process.pid}`, tablePrefix: "mcp_station_" });
    const first = await lockAdvisory(POSTGRES_URL, name, noEvents);
    expect(first).toBeDefined();
    expect(await lockAdvisory(POSTGRES_URL, name, noEvents)).toBeUndefined();
    const sql = new SQL(POSTGRES_URL);
    const [row] = await sql.unsafe(
      `select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where l.locktype = 'advisory' and ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [first!.key],
    );
    expect(row?.application_name).toBe("mcp-station instance lock");
    await first!.release();
    const again = await lockAdvisory(POSTGRES_URL, name, noEvents);
    expect(again).toBeDefined();
    await again!.release();
    await sql.close();
  });
});

describe("the advisory lock when its connection is lost", () => {
  const name = instanceLockName({ dataDir: "", instance: `lost-${process.pid}`, tablePrefix: "mcp_station_" });
  const admin = new SQL(POSTGRES_URL);
  afterAll(() => admin.close());
  /** The backend holding the lock, if any. */
  const holderPid = async (key: string): Promise<number | undefined> =>
    (
      await admin.unsafe(
        "select pid from pg_locks where locktype = 'advisory' and ((classid::bigint << 32) | objid::bigint) = $1::bigint and granted",
        [key],
      )
    )[0]?.pid;

  test("nobody took it meanwhile: the next heartbeat takes it back on a new connection", async () => {
    const lost: string[] = [];
    const lock = (await lockAdvisory(POSTGRES_URL, name, { lost: (key) => lost.push(key), unreachable: () => {} }, 100))!;
    // Ended from the server side, as a PostgreSQL restart or a cut connection would end it.
    const before = (await holderPid(lock.key))!;
    await admin.unsafe("select pg_terminate_backend($1)", [before]);
    const after = await eventually(async () => {
      const pid = await holderPid(lock.key);
      return pid !== undefined && pid !== before ? pid : undefined;
    });
    expect(after).toBeDefined();
    expect(lost).toEqual([]);
    await lock.release();
    expect(await eventually(async () => (await holderPid(lock.key)) === undefined)).toBe(true);
  });

  test("another station took it meanwhile: the loser says so, once", async () => {
    const lost: string[] = [];
    const first = (await lockAdvisory(POSTGRES_URL, name, { lost: (key) => lost.push(key), unreachable: () => {} }, 1000))!;
    // Another station's connection ends the holder's and takes the lock in one server-side loop, within
    // a few milliseconds of its release: long before the holder's next heartbeat could take it back.
    const other = new SQL(POSTGRES_URL, { max: 1 });
    await other.unsafe(`do $$ begin
        perform pg_terminate_backend(pid) from pg_locks
          where locktype = 'advisory' and ((classid::bigint << 32) | objid::bigint) = ${BigInt(first.key)} and granted;
        loop exit when pg_try_advisory_lock(${BigInt(first.key)}); perform pg_sleep(0.001); end loop;
      end $$`);
    expect(await eventually(() => lost.length > 0)).toBe(true);
    expect(lost).toEqual([first.key]);
    await first.release();
    await other.close();
  });
});

for (const kind of storeKinds()) {
  describe(`stations on one store instance (${kind.name})`, () => {
    afterAll(() => kind.cleanup());
    const env: Record<string, string> = { MCP_STATION_PERSISTENCE: "on", ...kind.env };

    test("a second live station is refused (exit 2), naming the first", async () => {
      const first = await spawnStation(FROM_SOURCE, env);
      running.push(first);
      const second = Bun.spawn(FROM_SOURCE, {
        env: { PATH: process.env.PATH ?? "", MCP_STATION_PORT: "0", MCP_STATION_HOST: "127.0.0.1", ...env },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(await second.exited).toBe(2);
      expect(await new Response(second.stderr).text()).toContain(
        `the store instance "default" is in use by another station (pid ${first.pid} on `,
      );
      expect(await first.stop("SIGTERM")).toBe(0);
    });

    test("a recreated container starts at once: its predecessor's record (another host, just renewed) holds nothing", async () => {
      const store = await kind.open();
      // What a container killed a moment ago leaves behind: a fresh record under a host name that is gone.
      await store.hold({ host: "old-container", pid: 1, startTicks: "1", bootId: "gone", seenAt: new Date().toISOString() });
      await store.close();
      const station = await spawnStation(FROM_SOURCE, env);
      running.push(station);
      const now = await kind.open();
      expect((await now.holder())?.pid).toBe(station.pid);
      await now.close();
      expect(await station.stop("SIGTERM")).toBe(0);
    });

    test("a station killed with SIGKILL is replaced at once, while a server it started still runs", async () => {
      const first = await spawnStation(FROM_SOURCE, env);
      running.push(first);
      // A server that outlives its station's death (it ignores the end of stdin): if it had inherited the
      // lock's descriptor, or the station's database connection, it would keep the instance held.
      const created = await json(`${first.url}/sessions`, { method: "POST", json: { server_command: fixture("ignore-sigterm.mjs") } });
      expect(created.status).toBe(200);
      const server = created.body.pid as number;
      strays.push(server);
      if (kind.name === "sqlite") {
        const lock = instanceLockFile({ dataDir: env.MCP_STATION_DATA_DIR!, instance: "default", tablePrefix: "mcp_station_" });
        const holders = (pid: number) =>
          readdirSync(`/proc/${pid}/fd`).filter((fd) => {
            try {
              return readlinkSync(`/proc/${pid}/fd/${fd}`) === lock;
            } catch {
              return false;
            }
          });
        expect(holders(first.pid)).toHaveLength(1);
        expect(holders(server)).toHaveLength(0);
      }
      expect(await first.stop("SIGKILL")).not.toBe(0);
      expect(isRunning(server)).toBe(true);

      // No wait of any kind: the lock went with the process.
      const second = await spawnStation(FROM_SOURCE, env);
      running.push(second);
      // It took the instance, so it reaped the first run's leftover and restored the session.
      expect(await waitGone(server)).toBe(true);
      const info = await json(`${second.url}/sessions/${created.body.session_id}`);
      expect(info.status).toBe(200);
      expect(await second.stop("SIGTERM")).toBe(0);
    });
  });
}
