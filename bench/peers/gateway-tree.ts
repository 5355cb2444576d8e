/**
 * What /proc says about a gateway: its process tree, the tree's resident memory without the MCP
 * server, and stopping all of it.
 *
 * A gateway's memory is the sum of VmRSS over its own process tree (a shell it wraps the server in
 * counts: that is the gateway's choice), minus the MCP server itself and everything below it. The
 * server is recognised by its command line, which names a file in bench/peers/servers/.
 *
 * @example
 *   gatewayRssKb(pid);            // resident kB of the gateway's own processes
 *   await stopTree(pid);          // SIGTERM the gateway, then SIGKILL whatever of its tree is left
 */
import { readdirSync, readFileSync } from "node:fs";

export const SERVER_MARK = "/bench/peers/servers/";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** Every live process's parent, from /proc/<pid>/stat (the command name may hold spaces and parentheses). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    map.set(pid, Number(fields[1]));
  }
  return map;
}

/** root and all its live descendants. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    if (pid !== root || read(`/proc/${pid}/stat`)) tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return tree;
}

const alive = (pid: number) => read(`/proc/${pid}/stat`) !== undefined && !/\) Z /.test(read(`/proc/${pid}/stat`) ?? "");

/** Every live echo server process on the machine (only this bench starts them). */
export function serverProcesses(): number[] {
  return [...parents().keys()].filter((pid) => isServer(pid) && alive(pid));
}

/**
 * A server is a process that runs a file of bench/peers/servers/: as its program or as its
 * interpreter's script (argv[0] or argv[1]). A gateway's own command line names that file too,
 * as an argument further on, and a shell wrapping it has it inside its -c string; neither is the server.
 */
const isServer = (pid: number) => {
  const argv = (read(`/proc/${pid}/cmdline`) ?? "").split("\0");
  return argv.slice(0, 2).some((arg) => arg.includes(SERVER_MARK));
};

function rssKb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(read(`/proc/${pid}/status`) ?? "");
  return match ? Number(match[1]) : 0;
}

/** utime + stime of one process, in ms (/proc counts in USER_HZ ticks, 100 a second on Linux). */
function cpuMs(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time used so far by the gateway's own processes and, apart, by the MCP servers below it. */
export function treeCpuMs(root: number): { gateway: number; server: number } {
  const servers = new Set<number>();
  for (const pid of processTree(root)) if (isServer(pid)) for (const p of processTree(pid)) servers.add(p);
  let gateway = 0;
  let server = 0;
  for (const pid of processTree(root)) {
    if (servers.has(pid)) server += cpuMs(pid);
    else gateway += cpuMs(pid);
  }
  return { gateway, server };
}

/** The gateway's own resident memory: its tree minus each MCP server process and that server's descendants. */
export function gatewayRssKb(root: number): number {
  const excluded = new Set<number>();
  for (const pid of processTree(root)) if (isServer(pid)) for (const p of processTree(pid)) excluded.add(p);
  let total = 0;
  for (const pid of processTree(root)) if (!excluded.has(pid)) total += rssKb(pid);
  return total;
}

/**
 * Stops a gateway the way its users would (SIGTERM, so it can stop its servers), then SIGKILLs
 * whatever of the tree recorded beforehand is still alive: some gateways put their servers in
 * process groups of their own, which a signal to the gateway's group would miss.
 */
export async function stopTree(root: number, graceMs = 5000): Promise<void> {
  const tree = processTree(root);
  try {
    process.kill(root, "SIGTERM");
  } catch {
    // already gone
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(alive)) await Bun.sleep(25);
  for (const pid of tree) {
    if (!alive(pid)) continue;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // exited meanwhile
    }
  }
}
