/**
 * The watchdog of a cluster node, the station's side. A node that cannot
 * renew its lease stops its own servers before the lease runs out
 * (node.ts: fence); a node the kernel froze (SIGSTOP, a stalled process)
 * runs no timer and cannot. So each node starts a small child process, the
 * same executable with `--watchdog` (watchdog-process.ts), and keeps it told,
 * over a pipe, of its deadline (after each renewal) and of the process group
 * of every server it starts and forgets. Should the deadline pass without a
 * newer one, the watchdog kills every group and then the station itself; a
 * process manager (Kubernetes, Compose, systemd) starts it again and it
 * rejoins with a new epoch. Should the pipe close because the station died
 * (SIGKILL, a crash), it kills the groups too, since the station's detached
 * servers would otherwise run on beside their adopted copies.
 */
import type { FileSink } from "bun";
import { watchGroups } from "../process/groups.ts";

/** The command that runs this executable again: from source `bun <entry>`, compiled the binary itself. */
function selfCommand(): string[] {
  const compiled = Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/");
  return compiled ? [process.execPath] : [process.execPath, Bun.main];
}

export class Watchdog {
  private constructor(
    private readonly proc: Bun.Subprocess<"pipe", "inherit", "inherit">,
    private readonly pipe: FileSink,
  ) {}

  static start(): Watchdog {
    const proc = Bun.spawn([...selfCommand(), "--watchdog"], {
      stdin: "pipe",
      stdout: "inherit",
      stderr: "inherit",
      env: { ...process.env, MCP_STATION_WATCHDOG_PID: String(process.pid) },
    });
    const watchdog = new Watchdog(proc, proc.stdin);
    watchGroups({
      recorded: (pgid) => watchdog.send(`+${pgid}`),
      forgotten: (pgid) => watchdog.send(`-${pgid}`),
    });
    return watchdog;
  }

  get pid(): number {
    return this.proc.pid;
  }

  /** The moment (performance.now()) by which every server must be gone unless a newer beat comes first. */
  beat(deadline: number): void {
    this.send(`deadline ${Math.max(0, Math.floor(deadline - performance.now()))}`);
  }

  /** No deadline: the node fenced or handed over, with no server left to guard. */
  rest(): void {
    this.send("rest");
  }

  private send(line: string): void {
    // The watchdog gone (killed by hand) must not take the station with it: EPIPE is ignored.
    try {
      this.pipe.write(`${line}\n`);
      this.pipe.flush();
    } catch {}
  }

  async stop(): Promise<void> {
    watchGroups(undefined);
    this.send("rest");
    try {
      this.pipe.end();
    } catch {}
    await this.proc.exited;
  }
}
