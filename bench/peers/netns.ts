/**
 * A network namespace with only loopback for the measurement. supergateway has no bind-address
 * option and listens on every interface; inside a namespace whose only interface is `lo`, nothing
 * but the bench can reach it. Every other path runs in the same namespace, so all share one network.
 *
 * `unshare -n` needs root (or CAP_SYS_ADMIN); `unshare -rn` does the same from an unprivileged
 * user where user namespaces are allowed. When neither works the bench runs on the host network
 * and says so in its output.
 *
 * @example
 *   const ns = loopbackNamespace();   // { prefix: ["unshare", "-n", "sh", "-c", ...], how: "unshare -n" } or undefined
 */

export interface Namespace {
  /** Put before a command to run it in a fresh namespace with `lo` up. */
  prefix: string[];
  how: string;
}

const UP_THEN_EXEC = 'ip link set lo up && exec "$@"';

export function loopbackNamespace(): Namespace | undefined {
  for (const flags of [["-n"], ["-r", "-n"]]) {
    const prefix = ["unshare", ...flags, "sh", "-c", UP_THEN_EXEC, "sh"];
    let ok = false;
    try {
      const probe = Bun.spawnSync([...prefix, "sh", "-c", "ip -o link show up | grep -qv ' lo:' && exit 1; exit 0"], {
        stdout: "pipe",
        stderr: "pipe",
      });
      ok = probe.exitCode === 0;
    } catch {
      return undefined; // no unshare on this machine
    }
    if (ok) return { prefix, how: `unshare ${flags.join(" ")} (only loopback, ip link set lo up)` };
  }
  return undefined;
}
