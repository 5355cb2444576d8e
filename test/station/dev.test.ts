/** `bun run dev` reloads on change and leaves no server of the old station behind. */
import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, fixture } from "../setup/paths.ts";
import { eventually, waitGone } from "../support/processes.ts";
import { BUN, json, spawnStation } from "../support/station-process.ts";

test("a reload stops the old station's servers, even one that ignores SIGTERM, and serves again", async () => {
  const watched = mkdtempSync(join(tmpdir(), "mcp-station-dev-"));
  const dev = await spawnStation([BUN, `${REPO_ROOT}/dev.ts`], {
    MCP_STATION_DEV_WATCH: watched,
    MCP_STATION_STOP_GRACE_MS: "100",
    MCP_STATION_STOP_TERM_MS: "200",
  });
  try {
    const created = await json(`${dev.url}/sessions`, { method: "POST", json: { server_command: fixture("ignore-sigterm.mjs") } });
    expect(created.body.status).toBe("running");
    const listening = () => dev.logs.filter((l) => l.msg === "mcp-station listening").length;
    writeFileSync(join(watched, "changed.ts"), "export {};\n");
    expect(await eventually(() => listening() === 2, 15_000)).toBe(true);
    expect(await waitGone(created.body.pid)).toBe(true);
    // The new station listens on a new port (port 0 in tests): find it from its log line.
    const port = dev.logs.filter((l) => l.msg === "mcp-station listening").at(-1)!.port;
    expect((await json(`http://127.0.0.1:${port}/healthz`)).body.status).toBe("ok");
  } finally {
    expect(await dev.stop("SIGTERM")).toBe(0);
  }
});
