/**
 * The station under the soak: one port and one data directory for its whole life, so a station
 * killed with SIGKILL can be started again where its callers expect it and restore their sessions
 * from its store. It keeps the windows in which it was down: a caller that got no answer in such a
 * window was refused, as expected; outside them a lost connection is a failure.
 *
 * @example
 *   const station = await SoakStation.start(logFile);
 *   await station.killAndRestart();   // SIGKILL, then a new process on the same port and store
 *   station.wasDown(sentAt, performance.now());
 *   await station.stop();
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PYTHON_MCP2 } from "../../test/setup/paths.ts";
import { freePort, memoryOf, type Running, startStation } from "../lib/procs.ts";
import type { Judged } from "./tally.ts";

/**
 * Faster than the defaults so that a short run sees many restarts: the backoff starts at 100 ms,
 * and a health check every second that gives up after two silent ones restarts a server frozen
 * for 2 s now and then, another path by which a server dies under load.
 */
const SOAK_ENV = {
  LOG_LEVEL: "warn",
  MCP_STATION_PERSISTENCE: "on",
  MCP_STATION_RESTART_BACKOFF_MS: "100",
  MCP_STATION_RESTART_BACKOFF_MAX_MS: "2000",
  MCP_STATION_HEALTH_INTERVAL_MS: "1000",
  MCP_STATION_HEALTH_TIMEOUT_MS: "500",
  MCP_STATION_HEALTH_RESTART_AFTER: "2",
  MCP_STATION_PYTHON: PYTHON_MCP2,
};

const answers = async (url: string): Promise<boolean> => (await fetch(url, { keepalive: false }).catch(() => undefined))?.ok ?? false;

/** Polls `ready` every 20 ms until it holds, for at most `ms`. */
async function until(ready: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await Bun.sleep(20);
  }
}

export class SoakStation {
  private process!: Running;
  /** Each SIGKILL: when it came, when the next station answered, and when it had restored its sessions. */
  private readonly windows: { from: number; up: number; ready: number }[] = [];
  private up: Promise<void> = Promise.resolve();
  restarts = 0;

  private constructor(
    private readonly port: number,
    private readonly dataDir: string,
    private readonly logFile: string,
  ) {}

  /** A station on a free port with a store of its own; its warnings and errors are appended to `logFile`. */
  static async start(logFile: string): Promise<SoakStation> {
    const station = new SoakStation(await freePort(), mkdtempSync(join(tmpdir(), "mcp-station-soak-")), logFile);
    await station.launch().catch((error) => {
      rmSync(station.dataDir, { recursive: true, force: true });
      throw error;
    });
    return station;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.process.pid;
  }

  rssKb(): number {
    return memoryOf(this.process.pid).rssKb;
  }

  /** Whether the station was down at any moment between `from` and `to` (performance.now() times). */
  wasDown(from: number, to: number): boolean {
    return this.windows.some((w) => w.from <= to && from <= w.up);
  }

  /** A clean error met while the station was restoring its sessions, so marked: the table counts those apart. */
  markRestoring(judged: Judged, from: number, to: number): Judged {
    if (judged.outcome !== "clean" || !this.windows.some((w) => w.up <= to && from <= w.ready)) return judged;
    return { ...judged, detail: `${judged.detail}, during the restore` };
  }

  /** Resolves once the station answers again (at once while it is up). */
  whenUp(): Promise<void> {
    return this.up;
  }

  /**
   * fetch() on the station, on a connection of its own: Bun's pool may hand out a keep-alive
   * connection in the instant the station closes it for idleness, and that client-side race
   * (ECONNRESET) must not pass for the station dropping a caller. The load's HttpClient retires
   * idle connections instead.
   */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.url}${path}`, { ...init, keepalive: false });
  }

  /**
   * What `what`, sent at `sentAt` and never answered, counts as: refused if the station was down
   * meanwhile (the caller then waits for it to come back rather than spin on refusals), hung if it
   * waited past its limit, else malformed: a live station dropped the connection.
   */
  async judgeNoAnswer(what: string, sentAt: number, limitMs: number, error: unknown): Promise<Judged> {
    const now = performance.now();
    if (this.wasDown(sentAt, now)) {
      await this.whenUp();
      return { outcome: "refused" };
    }
    if (now - sentAt >= limitMs) return { outcome: "hung", detail: `${what}: no answer in ${Math.round(now - sentAt)} ms` };
    return { outcome: "malformed", detail: `${what}: connection lost while the station was up: ${(error as Error)?.message}` };
  }

  /** SIGKILL, then a new station on the same port and store; resolves once it has restored its sessions. */
  async killAndRestart(): Promise<void> {
    const window = { from: performance.now(), up: Number.POSITIVE_INFINITY, ready: Number.POSITIVE_INFINITY };
    this.windows.push(window);
    let markUp!: () => void;
    this.up = new Promise((resolve) => (markUp = resolve));
    this.process.proc.kill("SIGKILL");
    // Until it is reaped the dead station is a zombie, which the next one would take for the live holder of
    // the store. Only then is its process tree empty, so stop() cannot end the servers it left: the next station must.
    await this.process.proc.exited;
    await this.process.stop();
    await this.launch();
    window.up = performance.now();
    markUp();
    this.restarts++;
    await until(() => answers(`${this.url}/readyz`), 60_000, "the restarted station was not ready");
    window.ready = performance.now();
  }

  /** Stops the station the way an operator would (SIGTERM) and waits for it to exit; the store is removed. */
  async stop(): Promise<number | null> {
    this.process.proc.kill("SIGTERM");
    const code = await this.process.proc.exited;
    await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }

  private async launch(): Promise<void> {
    const env = { ...SOAK_ENV, MCP_STATION_DATA_DIR: this.dataDir };
    const { proc } = (this.process = await startStation({ port: this.port, env, logFile: this.logFile }));
    const healthy = async () => {
      if (proc.exitCode !== null) throw new Error(`the station exited with ${proc.exitCode} at start; see ${this.logFile}`);
      return answers(`${this.url}/healthz`);
    };
    await until(healthy, 30_000, "the station did not answer /healthz");
  }
}
