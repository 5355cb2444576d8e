/** stopProcessGroup against real processes: the MCP stdio shutdown, step by step. */
import { describe, expect, test } from "bun:test";
import { spawnServer } from "../../src/process/spawn.ts";
import { stopProcessGroup } from "../../src/process/stop.ts";
import { fixture } from "../setup/paths.ts";
import { groupMembers, isRunning } from "../support/processes.ts";

/** Spawns a fixture and waits until it answers a ping, so its signal handlers are in place. */
async function spawn(name: string) {
  let answered!: () => void;
  const ready = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const child = spawnServer({ argv: ["node", fixture(name)], stderrBytes: 65536 }, { stdout: () => answered() });
  child.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
  await ready;
  return child;
}
const timings = { graceMs: 300, termMs: 300 };

describe("stopProcessGroup", () => {
  test("a server that exits when its stdin closes needs no signal", async () => {
    const child = await spawn("echo.mjs");
    expect(await stopProcessGroup(child, timings)).toEqual({ code: 0, signal: null });
  });

  test("a server that ignores stdin's end and SIGTERM is killed with SIGKILL", async () => {
    const child = await spawn("ignore-sigterm.mjs");
    expect(await stopProcessGroup(child, timings)).toEqual({ code: null, signal: "SIGKILL" });
    expect(isRunning(child.pid)).toBe(false);
  });

  test("the whole group goes, grandchildren included", async () => {
    const child = await spawn("grandchild.mjs");
    const pid = child.pid;
    // The fixture reports its grandchild's pid on stderr at start.
    const grandchild = await new Promise<number>((resolve) => {
      const check = setInterval(() => {
        const line = child.stderr.tail().find((l) => l.text.startsWith("grandchild "));
        if (line) {
          clearInterval(check);
          resolve(Number(line.text.split(" ")[1]));
        }
      }, 10);
    });
    expect(groupMembers(pid)).toContain(grandchild);
    await stopProcessGroup(child, timings);
    expect(groupMembers(pid)).toEqual([]);
  });

  test("a command that does not exist is refused before anything starts", () => {
    expect(() => spawnServer({ argv: ["definitely-not-a-command-xyz"], stderrBytes: 1024 }, { stdout: () => {} })).toThrow(
      "command not found",
    );
  });
});
