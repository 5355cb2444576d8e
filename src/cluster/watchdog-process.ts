/**
 * `mcp-station --watchdog`: the watchdog child of a cluster node (watchdog.ts
 * says why it exists). It reads lines from the station on stdin:
 *
 *   deadline <ms>   every server must be gone <ms> from now unless a newer deadline comes
 *   rest            no deadline (the node holds no lease)
 *   +<pgid> / -<pgid>  a server's process group started / ended
 *
 * A deadline passed: SIGKILL to every group, then to the station. Stdin closed
 * (the station died): SIGKILL to every group. Its clock is its own monotonic one.
 */
const CHECK_MS = 25;

export async function runWatchdog(stationPid: number): Promise<never> {
  const groups = new Set<number>();
  let deadline = Number.POSITIVE_INFINITY;
  const killGroups = () => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {}
    }
  };
  const timer = setInterval(() => {
    if (performance.now() < deadline) return;
    killGroups();
    console.error(
      JSON.stringify({
        level: "error",
        msg: "watchdog: the station missed its lease deadline; its servers and the station were killed",
        station_pid: stationPid,
        groups: groups.size,
      }),
    );
    try {
      process.kill(stationPid, "SIGKILL");
    } catch {}
    process.exit(0);
  }, CHECK_MS);
  let buffered = "";
  for await (const chunk of Bun.stdin.stream()) {
    buffered += new TextDecoder().decode(chunk);
    let end = buffered.indexOf("\n");
    while (end >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      if (line.startsWith("deadline ")) deadline = performance.now() + Number(line.slice(9));
      else if (line === "rest") deadline = Number.POSITIVE_INFINITY;
      else if (line.startsWith("+")) groups.add(Number(line.slice(1)));
      else if (line.startsWith("-")) groups.delete(Number(line.slice(1)));
      end = buffered.indexOf("\n");
    }
  }
  // The station is gone: whatever it started goes too.
  clearInterval(timer);
  killGroups();
  process.exit(0);
}
