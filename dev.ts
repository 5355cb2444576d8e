/**
 * Development with reload: `bun run dev`.
 *
 * Why not `bun --watch` or `bun --hot`: both reload inside the same process
 * (`--hot` re-runs modules, `--watch` re-executes the image), so the old
 * station's server processes are never stopped and the new one cannot see
 * them. This runner keeps the station a child process instead and, on every
 * change under src/ or ui/ (the console, bundled when the station first serves
 * it), stops it with SIGTERM (the production shutdown path:
 * every session's server is stopped) before starting it again.
 */
import { watch } from "node:fs";

const ENTRY = [`${import.meta.dir}/src/index.ts`];
let child: Bun.Subprocess | undefined;
let restarting = false;
let timer: ReturnType<typeof setTimeout> | undefined;

function start(): void {
  child = Bun.spawn([process.execPath, ...ENTRY], { stdio: ["inherit", "inherit", "inherit"], env: process.env });
}

async function stop(): Promise<void> {
  const running = child;
  if (!running || running.exitCode !== null) return;
  running.kill("SIGTERM");
  const bound = Number(process.env.MCP_STATION_SHUTDOWN_TIMEOUT_MS ?? 10_000) + 5_000;
  const exited = await Promise.race([running.exited.then(() => true), Bun.sleep(bound).then(() => false)]);
  if (!exited) running.kill("SIGKILL");
  await running.exited;
}

async function restart(): Promise<void> {
  if (restarting) return;
  restarting = true;
  console.error("[dev] change detected: stopping the station and its servers, then restarting");
  await stop();
  start();
  restarting = false;
}

// The watched folders can be moved for the dev runner's own test.
const WATCHED = process.env.MCP_STATION_DEV_WATCH?.split(",") ?? ["src", "ui"];

for (const folder of WATCHED) {
  watch(folder, { recursive: true }, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void restart(), 150);
  });
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    await stop();
    process.exit(0);
  });
}

start();
