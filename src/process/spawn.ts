/**
 * Starting a server as a child process in its own process group, with its
 * stdout streamed to a callback and its stderr always drained into a bounded
 * log. Never through a shell: argv goes to execve as it is.
 */
import { statSync } from "node:fs";
import { CapacityExceeded, ServerExited, SpawnFailed } from "../errors.ts";
import { childEnvironment } from "./environment.ts";
import { ensureRoomForServer } from "./fd-budget.ts";
import { recordGroup, signalGroup } from "./groups.ts";
import type { ExitInfo, ServerLink, StopTimings } from "./server-link.ts";
import { stopProcessGroup } from "./stop.ts";
import { StderrLog, type StderrLine } from "./stderr-log.ts";

export interface SpawnSpec {
  /** The executable (a name looked up on PATH, or a path) and its arguments. */
  argv: string[];
  cwd?: string;
  env?: Record<string, string>;
  /** Bytes of stderr kept per child. */
  stderrBytes: number;
  /** Programs that run before the server and exec it (prlimit ...); the executable is resolved first. */
  wrapper?: string[];
}

export type { ExitInfo } from "./server-link.ts";

export interface ChildCallbacks {
  stdout(chunk: Uint8Array): void;
  stderrLine?(line: StderrLine): void;
}

export class ServerProcess implements ServerLink {
  readonly pid: number;
  readonly stderr: StderrLog;
  readonly exited: Promise<ExitInfo>;
  exit: ExitInfo | undefined;
  private stdinOpen = true;
  private batching = false;
  private unflushed = false;
  private readonly endBatch = () => {
    this.batching = false;
    if (!this.unflushed || !this.stdinOpen) return;
    this.unflushed = false;
    try {
      this.flush();
    } catch {
      this.stdinOpen = false;
    }
  };

  private flush(): void {
    const flushed = this.proc.stdin.flush();
    if (flushed instanceof Promise) flushed.catch(this.pipeBroke);
  }

  /** The pipe broke under a write still in progress: later writes fail at once, typed. */
  private readonly pipeBroke = () => {
    this.stdinOpen = false;
  };

  constructor(
    private readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">,
    stderr: StderrLog,
    callbacks: ChildCallbacks,
  ) {
    this.pid = proc.pid;
    this.stderr = stderr;
    const stdoutDone = pump(proc.stdout, callbacks.stdout);
    const stderrDone = pump(proc.stderr, (chunk) => stderr.push(chunk));
    this.exited = proc.exited.then(async (): Promise<ExitInfo> => {
      // Read what the child wrote before it died: its last stderr lines explain the crash.
      await Promise.race([Promise.all([stdoutDone, stderrDone]), Bun.sleep(200)]);
      stderr.end();
      this.stdinOpen = false;
      const exit: ExitInfo = {
        code: proc.signalCode ? null : proc.exitCode,
        signal: proc.signalCode == null ? null : String(proc.signalCode),
      };
      this.exit = exit;
      return exit;
    });
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /**
   * Writes to the child's stdin. Guarded: a write to a child that died must
   * fail the one request, never the station (EPIPE), and with the typed
   * ServerExited: a child dies before its exit is reported (the drain above),
   * so a write is often the first to learn of it.
   */
  write(data: string): void {
    if (!this.stdinOpen) throw new ServerExited("the server's stdin is closed");
    try {
      const written = this.proc.stdin.write(data);
      // A write the pipe could not take at once finishes later, and its EPIPE arrives as a rejection
      // (seen under test/sessions/server-exit-race.test.ts): nobody awaits it, so it is caught here;
      // the request it carried stays pending until the exit handler fails it with ServerExited.
      if (written instanceof Promise) written.catch(this.pipeBroke);
      // The first write of an event-loop turn goes out at once (no added latency); later ones in the
      // same turn are flushed together at its end: one pipe write instead of one per message, which
      // under load was the largest single cost of the station (bench/: flush, c=64).
      if (!this.batching) {
        this.flush();
        this.batching = true;
        setImmediate(this.endBatch);
      } else this.unflushed = true;
    } catch (error) {
      this.stdinOpen = false;
      throw new ServerExited(`writing to the server failed: ${(error as Error).message}`, {}, { cause: error });
    }
  }

  /** The MCP stdio shutdown of the whole process group (stop.ts). */
  stop(timings: StopTimings): Promise<ExitInfo> {
    return stopProcessGroup(this, timings);
  }

  kill(): boolean {
    return this.running && signalGroup(this.pid, "SIGKILL");
  }

  /** Closes stdin: the first step of the MCP stdio shutdown. */
  closeStdin(): void {
    if (!this.stdinOpen) return;
    this.stdinOpen = false;
    try {
      const ended = this.proc.stdin.end();
      if (ended instanceof Promise) ended.catch(() => {});
    } catch {
      // Already closed by the child's exit.
    }
  }
}

async function pump(stream: ReadableStream<Uint8Array>, sink: (chunk: Uint8Array) => void): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      try {
        sink(value);
      } catch (error) {
        console.error("stdio sink failed", error);
      }
    }
  } catch {
    // The pipe broke: the exit handler reports the child's end.
  } finally {
    reader.releaseLock();
  }
}

/** Resolves the executable and checks the working directory, with errors a caller can act on. */
function preflight(spec: SpawnSpec, env: Record<string, string>): string {
  const [command] = spec.argv;
  if (!command) throw new SpawnFailed("no command given");
  if (spec.cwd !== undefined) {
    let isDir = false;
    try {
      isDir = statSync(spec.cwd).isDirectory();
    } catch {
      throw new SpawnFailed(`working_dir ${spec.cwd} does not exist`, { working_dir: spec.cwd });
    }
    if (!isDir) throw new SpawnFailed(`working_dir ${spec.cwd} is not a directory`, { working_dir: spec.cwd });
  }
  const resolved = Bun.which(command, { PATH: env.PATH ?? "", cwd: spec.cwd });
  if (!resolved) throw new SpawnFailed(`command not found or not executable: ${command}`, { command });
  return resolved;
}

/**
 * What the kernel answers when the station, not the server, is out of room, and what the operator
 * can raise. Bun.spawn throws these with `code` set, from socketpair, pidfd_open or posix_spawn.
 */
const OUT_OF_ROOM: Record<string, string> = {
  EMFILE: "too many open files in the station (RLIMIT_NOFILE)",
  ENFILE: "too many open files on the host (fs.file-max)",
  EAGAIN: "too many processes (RLIMIT_NPROC of the station's user, or the cgroup's pids.max)",
  ENOMEM: "out of memory",
};

function spawnFailure(error: unknown, command: string | undefined): Error {
  const { code, syscall, message } = error as NodeJS.ErrnoException;
  const why = code === undefined ? undefined : OUT_OF_ROOM[code];
  if (why) {
    // Nothing of the child is left: Bun closes the pipes and reaps a child whose pidfd it could not open.
    return new CapacityExceeded(`the station cannot start another server: ${code}, ${why}`, { errno: code, syscall }, { cause: error });
  }
  return new SpawnFailed(`could not start ${command}: ${message}`, { command }, { cause: error });
}

export function spawnServer(spec: SpawnSpec, callbacks: ChildCallbacks): ServerProcess {
  const env = childEnvironment(spec.env);
  const executable = preflight(spec, env);
  ensureRoomForServer();
  const stderr = new StderrLog(spec.stderrBytes, callbacks.stderrLine);
  let proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  try {
    proc = Bun.spawn([...(spec.wrapper ?? []), executable, ...spec.argv.slice(1)], {
      cwd: spec.cwd,
      env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      // Own process group: stopping the session signals the whole tree.
      detached: true,
    });
  } catch (error) {
    throw spawnFailure(error, spec.argv[0]);
  }
  recordGroup(proc.pid);
  return new ServerProcess(proc, stderr, callbacks);
}
