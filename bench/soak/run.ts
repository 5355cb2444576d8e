/**
 * `npm run soak -- --minutes 10`: the soak's long form. Prints the counts table, the station's RSS
 * after each round and the verdict, and exits 1 when the verdict fails. The short form is
 * test/soak/soak.test.ts; docs/reliability.md records this one's latest figures.
 *
 *   --minutes M        length of the faulted load (default 10), in rounds of one minute (at least 3)
 *   --sessions N       sessions under load (default 12: half echo.mjs, a quarter each Python SDK and grandchild.mjs)
 *   --callers C        concurrent callers of POST /mcp/request (default 16)
 *   --station-kills K  SIGKILLs of the station, spread over the first round (default 3)
 *   --rss-margin F     the last round's RSS floor may exceed round 2's by this share (default 0.1)
 */
import { cpus, loadavg, totalmem } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEADLINES } from "./load.ts";
import { formatReport, runSoak } from "./soak.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    sessions: { type: "string", default: "12" },
    callers: { type: "string", default: "16" },
    "station-kills": { type: "string", default: "3" },
    "rss-margin": { type: "string", default: "0.1" },
  },
});
const minutes = Number(values.minutes);
const rounds = Math.max(3, Math.round(minutes));
const logFile = join(tmpdir(), `mcp-station-soak-${new Date().toISOString().replace(/[:.]/g, "-")}.log`);
const started = Date.now();
const say = (line: string) => console.error(`[soak ${((Date.now() - started) / 1000).toFixed(0)}s] ${line}`);

console.log(
  [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "unknown"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; bun ${Bun.version}`,
    `date: ${new Date().toISOString()}; load average at start ${loadavg()
      .map((n) => n.toFixed(2))
      .join(" ")}`,
    `command: npm run soak -- ${process.argv.slice(2).join(" ")}`,
  ].join("\n"),
);
const report = await runSoak({
  sessions: Number(values.sessions),
  callers: Number(values.callers),
  rounds,
  roundMs: (minutes * 60_000) / rounds,
  stationKills: Number(values["station-kills"]),
  warmup: 2000,
  deadlines: DEADLINES,
  rssMargin: Number(values["rss-margin"]),
  logFile,
  progress: say,
});
console.log(
  `${formatReport(report)}\nload average at the end ${loadavg()
    .map((n) => n.toFixed(2))
    .join(" ")}; station log: ${logFile}`,
);
process.exit(report.failures.length ? 1 : 0);
