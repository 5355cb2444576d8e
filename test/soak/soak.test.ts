/**
 * The soak's short form (issue 14), run by `npm test`: about 20 s of load through POST /mcp/request
 * on four sessions of real servers (echo.mjs, grandchild.mjs, the Python SDK) under restart policy
 * always, while the injector kills, freezes and replaces servers, churns sessions, drops callers,
 * sends repeated JSON-RPC ids on the MCP endpoint, reads an event stream slowly, and kills the
 * station itself once. The verdict is asserted (nothing crossed, hung, failed inside the station,
 * lost at the restore or left behind) and the counts printed; no timing is asserted. The long form
 * is `npm run soak -- --minutes 10` (bench/soak/run.ts); docs/reliability.md has its figures.
 */
import { expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEADLINES } from "../../bench/soak/load.ts";
import { formatReport, runSoak } from "../../bench/soak/soak.ts";

test("under every kind of fault, each answer is the right one or a clean error, and nothing is left behind", async () => {
  const logFile = join(tmpdir(), `mcp-station-soak-${process.pid}.log`);
  const report = await runSoak({
    sessions: 4,
    callers: 8,
    rounds: 3,
    roundMs: 7000,
    stationKills: 1,
    warmup: 400,
    deadlines: DEADLINES,
    logFile,
  });
  console.log(`${formatReport(report)}\nstation log: ${logFile}`);
  expect(report.failures).toEqual([]);
  rmSync(logFile, { force: true });
}, 180_000);
