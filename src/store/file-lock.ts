/**
 * An exclusive flock(2) on a file, held by this process until it exits.
 *
 * Why flock through bun:ffi: the kernel drops the lock the moment the holding
 * process dies, however it dies (SIGKILL, OOM kill, a container torn down), so
 * nothing is left to expire. Bun has no flock of its own. The other way, a
 * util-linux `flock` child holding the lock while it reads a pipe from the
 * station, adds a process to supervise and a binary the distroless image does
 * not carry; one libc call has neither. The file is opened by Bun with
 * O_CLOEXEC (checked in test/store/instance-lease.test.ts), so the servers the
 * station spawns, which may outlive a killed station for a moment, never
 * inherit the descriptor and with it the lock.
 *
 * @example
 *   const lock = lockFile("/data/mcp-station.default.lock");
 *   if (!lock) throw new Error("taken");
 *   lock.release();
 */
import { FFIType, dlopen, read } from "bun:ffi";
import { closeSync, openSync } from "node:fs";

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

// glibc (Debian, the distroless cc image) and musl name libc differently; macOS has no separate libc.
const LIBC_NAMES =
  process.platform === "darwin"
    ? ["libc.dylib", "libSystem.B.dylib"]
    : ["libc.so.6", `libc.musl-${process.arch === "arm64" ? "aarch64" : "x86_64"}.so.1`];
// Where each libc keeps the calling thread's errno.
const ERRNO_SYMBOL = process.platform === "darwin" ? "__error" : "__errno_location";

function openLibc() {
  const failures: string[] = [];
  for (const name of LIBC_NAMES) {
    try {
      return dlopen(name, {
        flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
        [ERRNO_SYMBOL]: { args: [], returns: FFIType.ptr },
      }).symbols;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`cannot load libc for flock(2): ${failures.join("; ")}`);
}

let libc: ReturnType<typeof openLibc> | undefined;

function errno(): number {
  const where = libc?.[ERRNO_SYMBOL]();
  return where ? read.i32(where, 0) : 0;
}

export interface FileLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock without waiting: the held lock, or undefined when another process holds it. Throws on any other failure. */
export function lockFile(path: string): FileLock | undefined {
  libc ??= openLibc();
  const fd = openSync(path, "a", 0o600);
  if (libc.flock(fd, LOCK_EX | LOCK_NB) !== 0) {
    const code = errno();
    closeSync(fd);
    // EWOULDBLOCK is 11 on Linux, 35 on macOS: someone else holds it.
    if (code === 11 || code === 35) return undefined;
    throw new Error(`flock(${path}) failed with errno ${code}`);
  }
  let held = true;
  return {
    path,
    release: () => {
      if (!held) return;
      held = false;
      libc?.flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}
