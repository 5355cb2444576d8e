/**
 * Finding the soak's processes in /proc, as .ci/run and test/support/processes.ts do, but by
 * environment rather than by command line: other test runs on the same machine start the same
 * fixtures, while only this soak's servers (and their children, which inherit it) carry its tag in
 * SOAK_TOKEN.
 *
 * @example
 *   const left = await leftoversOf("soak-k3x9");  // [] once every server of the run is gone
 */
import { readdirSync, readFileSync } from "node:fs";
import { alive } from "../lib/procs.ts";
import { TOKEN_VAR } from "./fleet.ts";

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // gone between listing and reading, or not ours to read
  }
}

export interface SoakProcess {
  pid: number;
  /** Its SOAK_TOKEN: which session it was started for. */
  token: string;
  command: string;
}

/** Live processes whose environment holds a token of run `tag`. */
export function processesOf(tag: string): SoakProcess[] {
  const marker = `${TOKEN_VAR}=${tag}-`;
  const found: SoakProcess[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const token = read(`/proc/${pid}/environ`)
      .split("\0")
      .find((v) => v.startsWith(marker));
    if (!token || !alive(pid)) continue;
    found.push({ pid, token: token.slice(TOKEN_VAR.length + 1), command: read(`/proc/${pid}/cmdline`).split("\0").join(" ").trim() });
  }
  return found;
}

/**
 * The run's processes (or those of them in `among`) still alive after `graceMs`: a server exits on
 * its own once its stdin closes, and a station's stop or reaper takes a moment.
 */
export async function leftoversOf(tag: string, among?: number[], graceMs = 10_000): Promise<SoakProcess[]> {
  const deadline = Date.now() + graceMs;
  const find = () => processesOf(tag).filter(({ pid }) => !among || among.includes(pid));
  let left = find();
  while (left.length && Date.now() < deadline) {
    await Bun.sleep(100);
    left = find();
  }
  return left;
}

/** SIGKILLs what leftoversOf found, so a failed run leaves nothing on the machine. */
export function killAll(processes: SoakProcess[]): void {
  for (const { pid } of processes) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}
