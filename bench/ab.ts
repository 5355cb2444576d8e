/**
 * A side-by-side for hot-path work on the bench echo server: the forwarder and the station (with
 * --elysia also the forwarder on Elysia, bench/elysia-forwarder.ts, the framework's own share; with
 * --base, stations from other checkouts, to measure a change before and after),
 * alternated `rounds` times at concurrency 64 and 1, with each process's CPU µs per request read
 * from /proc; then the medians over the rounds. On a machine shared with other work the medians
 * of alternated rounds are the figures to quote, not any one round.
 *
 * It also reads each station's idle memory (VmRSS) as bench:peers does: fresh after start, then
 * after its first session and first call, after a second's rest.
 *
 *   bun bench/ab.ts [rounds] [count] [--elysia] [--base=<checkout>]... [--no-station]   (--no-station: the checkouts only, not this one)
 *   git worktree add /tmp/base HEAD~1 && bun bench/ab.ts 7 10000 --base=/tmp/base
 */
import { chmodSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { runLoad } from "./lib/load.ts";
import { memoryOf, startElysiaForwarder, startForwarder, startStation } from "./lib/procs.ts";
import { alternateRounds, median, type RoundTarget } from "./lib/rounds.ts";
import { createSession, seedCall } from "./lib/station-api.ts";
import { ECHO } from "./workloads.ts";

const positional = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const rounds = Number(positional[0] ?? "5");
const count = Number(positional[1] ?? "10000");
const bases = process.argv.filter((a) => a.startsWith("--base=")).map((a) => a.slice("--base=".length));

/** A checkout's station as an executable, so startStation runs it as it runs a compiled binary. */
function stationOf(checkout: string): string {
  const script = join(mkdtempSync(join(tmpdir(), "ab-base-")), "station");
  writeFileSync(script, `#!/bin/sh\nexec "${process.execPath}" "${join(checkout, "src", "index.ts")}"\n`);
  chmodSync(script, 0o755);
  return script;
}

interface Target extends RoundTarget {
  idle?: { startedMb: number; firstCallMb: number };
}

const mb = (pid: number) => memoryOf(pid).rssKb / 1024;

async function station(name: string, binary?: string): Promise<Target> {
  const running = await startStation({ binary });
  await Bun.sleep(1000);
  const startedMb = mb(running.pid);
  const call = seedCall(running.url, await createSession(running.url, ECHO.spec), ECHO.echo);
  await runLoad(call, { concurrency: 1, count: 1 });
  await Bun.sleep(1000);
  return { name, running, call, idle: { startedMb, firstCallMb: mb(running.pid) } };
}

const forwarder = await startForwarder(1, ECHO.argv);
const targets: Target[] = [{ name: "forwarder", running: forwarder, call: seedCall(forwarder.url, "0", ECHO.echo) }];
if (process.argv.includes("--elysia")) {
  const elysia = await startElysiaForwarder(ECHO.argv);
  targets.push({ name: "elysia-fwd", running: elysia, call: seedCall(elysia.url, "0", ECHO.echo) });
}
if (!process.argv.includes("--no-station")) targets.push(await station("station"));
for (const base of bases) targets.push(await station(bases.length === 1 ? "base" : basename(base), stationOf(base)));

// Warmed up before the first round, so no round measures a target while its JIT still compiles.
for (const t of targets) await runLoad(t.call, { concurrency: 64, count });
const runs = await alternateRounds(targets, rounds, count);

// Ratios are taken round by round, against the forwarder's run of the same round, then their median:
// other work on a shared machine comes and goes between rounds, and a ratio of two medians would
// compare runs made under different loads.
const fwd = runs.get("forwarder")!.c64;
console.log(
  `\nmedians of ${rounds} rounds (${count} requests at c=64, ${count / 5} at c=1 each; x fwd: the median of each round's ratio):`,
);
for (const t of targets) {
  const { c64, c1 } = runs.get(t.name)!;
  const rps = median(c64.map((f) => f.rps));
  const rpsRatio = median(c64.map((f, r) => f.rps / fwd[r].rps));
  const cpu = median(c64.map((f) => f.cpuUs));
  const cpuRatio = median(c64.map((f, r) => f.cpuUs / fwd[r].cpuUs));
  const errors = [...c64, ...c1].reduce((n, f) => n + f.errors, 0);
  const idle = t.idle ? ` | RSS ${t.idle.startedMb.toFixed(1)} MB at start, ${t.idle.firstCallMb.toFixed(1)} MB after a call` : "";
  console.log(
    `${t.name.padEnd(10)} c=64 ${rps.toFixed(0)} req/s (${rpsRatio.toFixed(2)}x fwd), ${cpu.toFixed(1)} µs/req (${cpuRatio.toFixed(2)}x fwd) | c=1 p50 ${median(c1.map((f) => f.p50Ms)).toFixed(3)} ms | errors ${errors}${idle}`,
  );
}
for (const t of targets) await t.running.stop();
