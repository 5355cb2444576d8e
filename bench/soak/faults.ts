/**
 * The fault injector: one fault at a time, in turn, with a short pause between them, beside the
 * load. A fault that takes a while (a server frozen for 2 s, a slow reader) runs in the background
 * so the next one is not held up. The station itself is killed with SIGKILL at the times given;
 * after each, the sessions must be back under their ids and what the dead station left must go.
 *
 * @example
 *   const injector = new Injector(station, fleet, tally, deadlines);
 *   const done = injector.run(stop.signal, [5_000]);  // the station killed 5 s in
 *   stop.abort(); await done;
 */
import { dropCallers, repeatedIds, slowEventReader } from "./callers.ts";
import { type Fleet, SERVERS, type Slot } from "./fleet.ts";
import { killAll, leftoversOf, processesOf } from "./leftovers.ts";
import type { Deadlines } from "./load.ts";
import type { SoakStation } from "./station.ts";
import type { Tally } from "./tally.ts";

/** Every kind of fault; a run that did not inject each at least once fails. */
export const FAULT_KINDS = [
  "kill server",
  "freeze server",
  "replace server",
  "churn sessions",
  "drop callers",
  "repeated ids",
  "slow event reader",
  "kill station",
] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

export interface InjectorOptions {
  /** Pause between two faults. */
  pauseMs: number;
  /** How long a frozen server stays stopped. */
  freezeMs: number;
}

const signalled = (pid: number, signal: NodeJS.Signals): boolean => {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false; // the server exited meanwhile (a restart, a health check that gave up on it)
  }
};

export class Injector {
  private readonly background = new Set<Promise<void>>();
  /**
   * Each fault answers whether it found something to act on; one that did not is not counted. Every
   * other turn kills a server, the commonest fault a station meets: the 500 of issue 14 (a write to
   * a server that had just died) showed in about one short run in two at half this rate.
   */
  private readonly kill: [FaultKind, () => Promise<boolean>] = ["kill server", () => this.signalServer("SIGKILL")];
  private readonly rotation: [FaultKind, () => Promise<boolean>][] = [
    ["freeze server", () => this.freezeServer()],
    ["replace server", () => this.replaceServer()],
    ["churn sessions", () => this.churn()],
    ["drop callers", () => this.onSlot((slot) => dropCallers(this.station, slot, this.tally, this.deadlines), true)],
    ["repeated ids", () => this.onSlot((slot) => repeatedIds(this.station, slot, this.tally, this.deadlines))],
    [
      "slow event reader",
      () => this.onSlot(async (slot) => this.inBackground(slowEventReader(this.station, slot, this.tally, this.deadlines)), true),
    ],
  ];

  constructor(
    private readonly station: SoakStation,
    private readonly fleet: Fleet,
    private readonly tally: Tally,
    private readonly deadlines: Deadlines,
    private readonly options: InjectorOptions = { pauseMs: 300, freezeMs: 2000 },
  ) {}

  /** Injects faults until `signal` aborts, the station's SIGKILL at each of `stationKillsAt` (ms after the start). */
  async run(signal: AbortSignal, stationKillsAt: number[]): Promise<void> {
    const started = performance.now();
    const kills = [...stationKillsAt].sort((a, b) => a - b);
    for (let turn = 0; !signal.aborted; ) {
      if (kills.length && performance.now() - started >= kills[0]!) {
        kills.shift();
        await this.inject("kill station", () => this.killStation());
      } else {
        const [kind, fault] = turn % 2 === 0 ? this.kill : this.rotation[((turn - 1) / 2) % this.rotation.length]!;
        turn++;
        await this.inject(kind, fault);
      }
      await Bun.sleep(this.options.pauseMs);
    }
    await Promise.all(this.background);
  }

  private async inject(kind: FaultKind, fault: () => Promise<boolean>): Promise<void> {
    try {
      if (await fault()) this.tally.fault(kind);
    } catch (error) {
      this.tally.harnessError(`${kind}: ${(error as Error).stack ?? error}`);
    }
  }

  /** Lets `task` run on while the next faults come; run() waits for it before it returns. */
  private inBackground(task: Promise<void>): void {
    const tracked = task.catch((error) => this.tally.harnessError(`background: ${(error as Error).stack ?? error}`));
    this.background.add(tracked);
    void tracked.finally(() => this.background.delete(tracked));
  }

  private async onSlot(act: (slot: Slot) => Promise<void>, needsSlowTool = false): Promise<boolean> {
    const slot = this.fleet.pick((server) => !needsSlowTool || server.slow);
    if (!slot) return false;
    await act(slot);
    return true;
  }

  private async runningPid(): Promise<number | undefined> {
    const slot = this.fleet.pick();
    return slot && (await this.fleet.pidOf(slot));
  }

  private async signalServer(signal: NodeJS.Signals): Promise<boolean> {
    const pid = await this.runningPid();
    return pid !== undefined && signalled(pid, signal);
  }

  private async freezeServer(): Promise<boolean> {
    const pid = await this.runningPid();
    if (pid === undefined || !signalled(pid, "SIGSTOP")) return false;
    this.inBackground(Bun.sleep(this.options.freezeMs).then(() => void signalled(pid, "SIGCONT")));
    return true;
  }

  private async replaceServer(): Promise<boolean> {
    await this.fleet.replace(Math.floor(Math.random() * this.fleet.slots.length));
    return true;
  }

  /** A session created and deleted beside the load, which never uses it. */
  private async churn(): Promise<boolean> {
    const slot = await this.fleet.create(SERVERS.echo);
    if (slot) await this.fleet.delete(slot.sessionId);
    return true;
  }

  /**
   * SIGKILL the station, start it again on its port and store, and check what it promises: every
   * session of the load restored under its id (one that is not is counted lost and created anew,
   * so the load goes on), and every process of the dead station's gone (servers see their stdin
   * close; the reaper ends what they left, such as grandchild.mjs's child).
   */
  private async killStation(): Promise<boolean> {
    const before = processesOf(this.fleet.tag).map(({ pid }) => pid);
    const statuses = await this.fleet.statuses();
    await this.station.killAndRestart();
    for (const [index, slot] of this.fleet.slots.entries()) {
      const info: any = await (await this.station.fetch(`/sessions/${slot.sessionId}`)).json().catch(() => undefined);
      if (info?.session_id === slot.sessionId && info.status !== "failed") continue;
      const now = info?.status ?? info?.error?.data?.type;
      this.tally.lost.push(
        `${slot.sessionId} (${slot.server.name}): ${statuses.get(slot.sessionId)} at the SIGKILL, ${now} after the restore`,
      );
      this.fleet.slots[index] = await this.fleet.createSurely(slot.server);
    }
    const stillThere = await leftoversOf(this.fleet.tag, before);
    this.tally.leftovers.push(...stillThere.map((left) => `after the station's SIGKILL: ${this.fleet.describe(left)}`));
    killAll(stillThere);
    return true;
  }
}
