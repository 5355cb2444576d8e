/**
 * A group session outlives the station as any session does: after a restart on the same store it comes
 * back under its old id and starts its members again (new processes), while the members' own rows,
 * tied to the group, are only reaped, never restored on their own (docs/groups.md).
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type OpsStation, startOpsStation, storeKinds } from "../ops/support.ts";
import { fixture } from "../setup/paths.ts";
import { waitGone } from "../support/processes.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-group-restore-"));
const serversFile = join(dir, "servers.json");
writeFileSync(
  serversFile,
  JSON.stringify({
    mcpServers: { echo: { command: fixture("echo.mjs") }, v1: { command: "node", args: [fixture("sdk-v1-server.mjs")] } },
    mcpGroups: { pair: { members: ["echo", "v1"] } },
  }),
);

const stations: OpsStation[] = [];
afterEach(async () => {
  for (const s of stations.splice(0)) await s.stop();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const kind of storeKinds()) {
  describe(`a group session restored on ${kind.name}`, () => {
    afterAll(() => kind.cleanup());

    test("comes back under its old id with every member started again; the members are not restored on their own", async () => {
      const instance = crypto.randomUUID();
      const env = { ...kind.env, MCP_STATION_SERVERS_FILE: serversFile };
      const first = await startOpsStation(env, await kind.open(instance));
      stations.push(first);
      const group = (await first.call("POST", "/sessions", { server: "pair" })).body;
      expect(group.status).toBe("running");
      const oldMembers = group.group.members as { session_id: string; pid: number }[];
      await first.station.operations.persistence!.flushed();
      await first.stop();
      stations.splice(stations.indexOf(first), 1);
      for (const member of oldMembers) expect(await waitGone(member.pid)).toBe(true);

      const second = await startOpsStation(env, await kind.open(instance));
      stations.push(second);
      const report = await second.station.operations.restore();
      expect(report).toMatchObject({ restored: 1, failed: 0 });
      const info = (await second.call("GET", `/sessions/${group.session_id}`)).body;
      expect(info).toMatchObject({ status: "running", restored: true, server: "pair" });
      const members = info.group.members as { name: string; status: string; session_id: string; pid: number }[];
      expect(members.map((m) => [m.name, m.status])).toEqual([
        ["echo", "running"],
        ["v1", "running"],
      ]);
      for (const [i, member] of members.entries()) {
        expect(member.session_id).not.toBe(oldMembers[i]!.session_id);
        expect(member.pid).not.toBe(oldMembers[i]!.pid);
      }
      // The old members' ids are gone: nothing restored them outside their group.
      for (const old of oldMembers) expect((await second.call("GET", `/sessions/${old.session_id}`)).status).toBe(404);
      const call = await second.call("POST", "/mcp/request", {
        session_id: group.session_id,
        method: "tools/call",
        params: { name: "add", arguments: { a: 1, b: 2 } },
      });
      expect(call.body.data.content[0].text).toBe("3");
    });
  });
}
