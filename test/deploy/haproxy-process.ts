/**
 * deploy/compose/haproxy.cfg run by a real HAProxy on loopback, its rules
 * untouched: only where it listens and where the stations are changes. Used
 * by the balancer tests and by bench/balancer.ts.
 *
 * @example
 *   const haproxy = await startHaproxy([port1, port2, port3]);
 *   await fetch(`${haproxy.url}/healthz`);
 *   await haproxy.stop();
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HAPROXY, HAPROXY_CFG, readText } from "./support.ts";

export interface HaproxyProcess {
  url: string;
  /** HAProxy's own messages so far (servers going down and up). */
  log(): string;
  stop(): Promise<void>;
}

export function freePort(): number {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** The deployed configuration with the stations and the front end on loopback ports; its rules untouched. */
export function loopbackConfig(frontPort: number, ports: number[]): string {
  let text = readText(HAPROXY_CFG)
    .replace(/\nresolvers docker\n(?: {4}.*\n)+/, "\n")
    .replace(" resolvers docker init-addr last,libc,none", "")
    .replace("bind :20100", `bind 127.0.0.1:${frontPort}`);
  ports.forEach((port, i) => {
    text = text.replace(`server station-${i + 1} station-${i + 1}:20100`, `server station-${i + 1} 127.0.0.1:${port}`);
  });
  if (/station-\d:20100|resolvers/.test(text)) throw new Error("haproxy.cfg changed shape: update loopbackConfig()");
  return text;
}

/**
 * Starts HAProxy in front of the stations on `ports` (station-1, station-2, … in that order) and waits until it
 * answers. `edit` changes the configuration first (the bench's hash-only balancer drops a rule).
 */
export async function startHaproxy(ports: number[], edit: (cfg: string) => string = (cfg) => cfg): Promise<HaproxyProcess> {
  if (!HAPROXY) throw new Error("haproxy is not installed: run `bun run test/setup/prepare.ts`");
  const dir = mkdtempSync(join(tmpdir(), "mcp-station-haproxy-"));
  const frontPort = freePort();
  const cfg = join(dir, "haproxy.cfg");
  writeFileSync(cfg, edit(loopbackConfig(frontPort, ports)));
  const proc = Bun.spawn([HAPROXY, "-db", "-f", cfg], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let log = "";
  void (async () => {
    for await (const chunk of proc.stderr) log += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${frontPort}`;
  const stop = async () => {
    proc.kill("SIGKILL");
    await proc.exited;
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 10_000;
  for (;;) {
    if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) break;
    if (proc.exitCode !== null || Date.now() > until) {
      await stop();
      throw new Error(`haproxy did not come up: ${log}`);
    }
    await Bun.sleep(50);
  }
  return { url, log: () => log, stop };
}
