/**
 * A gateway's process tree, split in two: the gateway's own processes, and the MCP servers below
 * it with their descendants. A gateway's memory and CPU are those of its own part (a shell it wraps
 * the server in counts: that is the gateway's choice). The server is recognised by its command
 * line, which names a file in bench/peers/servers/.
 *
 * @example
 *   gatewayRssKb(pid);    // resident kB of the gateway's own processes
 *   treeCpuMs(pid);       // { gateway, server } CPU ms so far
 */
import { readFileSync } from "node:fs";
import { alive, cpuMsOf, memoryOf, parents, processTree } from "../lib/procs.ts";

const SERVER_MARK = "/bench/peers/servers/";

/**
 * A server is a process that runs a file of bench/peers/servers/: as its program or as its
 * interpreter's script (argv[0] or argv[1]). A gateway's own command line names that file too,
 * as an argument further on, and a shell wrapping it has it inside its -c string; neither is the server.
 */
function isServer(pid: number): boolean {
  let argv: string[];
  try {
    argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return false; // exited meanwhile
  }
  return argv.slice(0, 2).some((arg) => arg.includes(SERVER_MARK));
}

/** Every live echo server process on the machine (only this bench starts them). */
export function serverProcesses(): number[] {
  return [...parents().keys()].filter((pid) => isServer(pid) && alive(pid));
}

/** The tree of `root` as the gateway's own processes and, apart, the servers' subtrees. */
function split(root: number): { gateway: number[]; server: number[] } {
  const tree = processTree(root);
  const servers = new Set(tree.filter(isServer).flatMap(processTree));
  return { gateway: tree.filter((pid) => !servers.has(pid)), server: tree.filter((pid) => servers.has(pid)) };
}

const sum = (pids: number[], of: (pid: number) => number) => pids.reduce((total, pid) => total + of(pid), 0);

/** CPU time used so far by the gateway's own processes and, apart, by the MCP servers below it. */
export function treeCpuMs(root: number): { gateway: number; server: number } {
  const { gateway, server } = split(root);
  return { gateway: sum(gateway, cpuMsOf), server: sum(server, cpuMsOf) };
}

/** The gateway's own resident memory: its tree minus each MCP server process and that server's descendants. */
export function gatewayRssKb(root: number): number {
  return sum(split(root).gateway, (pid) => memoryOf(pid).rssKb);
}
