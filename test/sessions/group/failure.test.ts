/**
 * A group's failure isolation and change (docs/groups.md, Failure and
 * Change): a member that fails to start, crashes, hangs on a call or changes
 * its tools leaves the rest working; its tools leave the list with
 * notifications/tools/list_changed, calls to it get member_unavailable, and
 * its own restart policy brings it back.
 */
import { type RegistryFile, writeRegistry } from "../../support/registry-file.ts";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { fixture } from "../../setup/paths.ts";
import { eventually, isRunning } from "../../support/processes.ts";
import { type TestStation, startStation } from "../../support/station.ts";

let registry: RegistryFile;
let station: TestStation;

beforeAll(async () => {
  registry = writeRegistry((dir: string) => ({
    mcpServers: {
      echo: { command: fixture("echo.mjs") },
      crashy: { command: fixture("crash.mjs"), station: { restart_policy: "never" } },
      phoenix: { command: fixture("crash.mjs"), station: { restart_policy: "on-failure" } },
      hang: { command: fixture("no-init.mjs") },
      changing: { command: fixture("tools-change.mjs") },
      forgetful: { command: fixture("crash-forgets-setup.mjs"), station: { restart_policy: "on-failure" } },
      late: { command: fixture("start-fails-once.mjs"), env: { STATE_FILE: join(dir, "late-starts") } },
    },
    mcpGroups: {
      flaky: { members: ["echo", "crashy", "hang"] },
      comeback: { members: ["echo", "phoenix"] },
      live: { members: ["echo", "changing"] },
      dead: { members: ["hang"] },
      patient: { members: ["echo", "late"] },
      setup: { members: ["forgetful", "echo"] },
    },
  }));
  const serversFile = registry.file;
  station = await startStation({
    MCP_STATION_SERVERS_FILE: serversFile,
    MCP_STATION_START_TIMEOUT_MS: "1500",
    MCP_STATION_RESTART_BACKOFF_MS: "100",
  });
});
afterAll(async () => {
  await station.stop();
  registry.remove();
});

const toolNames = async (id: string) =>
  ((await station.mcp(id, "tools/list", {})).body.data.tools as { name: string }[]).map((tool) => tool.name);
const call = (id: string, name: string, args: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  station.mcp(id, "tools/call", { name, arguments: args }, extra);
const member = async (id: string, name: string) =>
  (await station.call("GET", `/sessions/${id}`)).body.group.members.find((m: { name: string }) => m.name === name);
const listChanges = async (id: string) =>
  ((await station.call("GET", `/sessions/${id}/events`)).body.events as { data: { method?: string } }[]).filter(
    (event) => event.data.method === "notifications/tools/list_changed",
  ).length;

describe("one member's failure leaves the rest working", () => {
  test("a member that hangs at start is listed as failed; a crashed one leaves the list, its calls get member_unavailable", async () => {
    const created = await station.create({ server: "flaky" });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    const members = created.body.group.members;
    expect(members.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ["echo", "running"],
      ["crashy", "running"],
      ["hang", "failed"],
    ]);
    expect(members[2].error).toContain("1500");

    const before = await toolNames(id);
    expect(before).toContain("crash");
    expect(before).toContain("crashy__echo");
    const crashed = await call(id, "crash");
    expect(crashed.status).toBe(502);
    expect(crashed.body.error.data.type).toBe("server_exited");

    expect(await eventually(async () => (await listChanges(id)) > 0)).toBe(true);
    const after = await toolNames(id);
    expect(after).not.toContain("crash");
    expect(after).not.toContain("crashy__echo");
    expect(after).toContain("echo");

    const refused = await call(id, "crash");
    expect(refused.status).toBe(503);
    expect(refused.body.error.data).toMatchObject({ type: "member_unavailable", member: "crashy", member_status: "exited" });
    expect(refused.body.error.message).toContain("crashy");
    expect((await call(id, "echo", { text: "still here" })).body.data.content[0].text).toBe("still here");
    expect((await member(id, "crashy")).status).toBe("exited");
    expect((await station.call("GET", `/sessions/${id}`)).body.status).toBe("running");
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a crashed member's own restart policy brings it back, with its tools and the same names", async () => {
    const id = (await station.create({ server: "comeback" })).body.session_id;
    const firstPid = (await member(id, "phoenix")).pid;
    expect((await call(id, "crash")).status).toBe(502);
    const back = await eventually(async () => {
      const now = await member(id, "phoenix");
      return now.status === "running" && now.pid !== firstPid ? now : undefined;
    }, 10_000);
    expect(back).toBeDefined();
    // Left the list, then came back: two list changes.
    expect(await eventually(async () => (await listChanges(id)) >= 2)).toBe(true);
    const names = await toolNames(id);
    expect(names).toContain("crash");
    expect(names).toContain("phoenix__echo");
    expect((await call(id, "phoenix__echo", { text: "back" })).body.data.content[0].text).toBe("back");
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("what a client set up through the group (log level, subscriptions) is sent again to a member that restarts", async () => {
    const id = (await station.create({ server: "setup" })).body.session_id;
    expect((await station.mcp(id, "logging/setLevel", { level: "warning" })).body.success).toBe(true);
    expect((await station.mcp(id, "resources/subscribe", { uri: "file:///watched" })).body.success).toBe(true);
    const before = JSON.parse((await call(id, "setup")).body.data.content[0].text);
    expect(before).toEqual({ level: "warning", subscriptions: ["file:///watched"] });
    const firstPid = (await member(id, "forgetful")).pid;
    expect((await call(id, "crash")).status).toBe(502);
    expect(
      await eventually(async () => {
        const now = await member(id, "forgetful");
        return now.status === "running" && now.pid !== firstPid;
      }, 10_000),
    ).toBe(true);
    const after = async () => JSON.parse((await call(id, "setup")).body.data.content[0].text);
    expect(await eventually(async () => JSON.stringify(await after()) === JSON.stringify(before), 10_000)).toBe(true);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a call that hangs in one member times out on its own deadline while the others answer", async () => {
    const id = (await station.create({ server: "comeback" })).body.session_id;
    const slow = call(id, "phoenix__slow", { ms: 10_000 }, { timeout_ms: 500 });
    expect((await call(id, "echo", { text: "meanwhile" })).body.data.content[0].text).toBe("meanwhile");
    const timedOut = await slow;
    expect(timedOut.status).toBe(504);
    expect(timedOut.body.error.data.type).toBe("request_timeout");
    // The member was told to stop working on it.
    const memberId = (await member(id, "phoenix")).session_id;
    const cancelled = await eventually(async () =>
      ((await station.call("GET", `/sessions/${memberId}/logs`)).body.lines as { text: string }[]).some((line) =>
        line.text.startsWith("cancelled"),
      ),
    );
    expect(cancelled).toBe(true);
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a member that failed to start is tried again while the group runs, and its tools join the list", async () => {
    const created = await station.create({ server: "patient" });
    expect(created.status).toBe(200);
    const id = created.body.session_id;
    expect(created.body.group.members[1]).toMatchObject({ name: "late", status: "failed", session_id: null });
    expect(created.body.group.members[1].error).toContain("not ready yet");
    expect(await toolNames(id)).not.toContain("starts");
    const joined = await eventually(async () => (await member(id, "late")).status === "running", 10_000);
    expect(joined).toBe(true);
    expect(await eventually(async () => (await listChanges(id)) > 0)).toBe(true);
    expect(await toolNames(id)).toContain("starts");
    expect((await call(id, "starts")).body.data.content[0].text).toBe("2");
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("a group none of whose members starts fails to start, and leaves nothing running", async () => {
    const created = await station.create({ server: "dead" });
    expect(created.status).toBe(502);
    expect(created.body.error.data.type).toBe("start_failed");
    expect(created.body.error.message).toContain("hang");
    const sessions = (await station.call("GET", "/sessions")).body.sessions as { server: string | null; status: string }[];
    expect(sessions.filter((s) => s.server === "dead")).toEqual([]);
    // Its member's session went with it (and any retry of the other groups' hanging member ends too).
    const hanging = async () =>
      ((await station.call("GET", "/sessions")).body.sessions as { server: string | null }[]).some((s) => s.server === "hang");
    expect(await eventually(async () => !(await hanging()), 10_000)).toBe(true);
  });
});

describe("a member that hangs", () => {
  test("one that stops answering health checks leaves the list while unresponsive, and comes back when it answers", async () => {
    const watched = await startStation({
      MCP_STATION_SERVERS_FILE: registry.file,
      MCP_STATION_HEALTH_INTERVAL_MS: "200",
      MCP_STATION_HEALTH_TIMEOUT_MS: "200",
      MCP_STATION_HEALTH_RESTART_AFTER: "0",
    });
    try {
      const created = (await watched.create({ server: "comeback" })).body;
      const id = created.session_id;
      const phoenix = created.group.members.find((m: { name: string }) => m.name === "phoenix");
      const names = async () => ((await watched.mcp(id, "tools/list", {})).body.data.tools as { name: string }[]).map((tool) => tool.name);
      const status = async () =>
        (await watched.call("GET", `/sessions/${id}`)).body.group.members.find((m: { name: string }) => m.name === "phoenix").status;
      expect(await names()).toContain("crash");
      // Frozen: its process is there but answers nothing, as a server stuck in a loop.
      process.kill(phoenix.pid, "SIGSTOP");
      try {
        expect(await eventually(async () => (await status()) === "unresponsive", 10_000)).toBe(true);
        expect(await names()).not.toContain("crash");
        expect(
          (await watched.mcp(id, "tools/call", { name: "echo", arguments: { text: "the rest works" } })).body.data.content[0].text,
        ).toBe("the rest works");
      } finally {
        process.kill(phoenix.pid, "SIGCONT");
      }
      expect(await eventually(async () => (await status()) === "running", 10_000)).toBe(true);
      expect(await eventually(async () => (await names()).includes("crash"), 10_000)).toBe(true);
      const events = (await watched.call("GET", `/sessions/${id}/events`)).body.events as { data: { method?: string } }[];
      expect(events.filter((e) => e.data.method === "notifications/tools/list_changed").length).toBeGreaterThanOrEqual(2);
    } finally {
      await watched.stop();
    }
  });
});

describe("a member's changes reach the group's clients", () => {
  test("a member's tools/list_changed: the group re-reads it, tells its clients, and routes the new tool", async () => {
    const id = (await station.create({ server: "live" })).body.session_id;
    expect(await toolNames(id)).not.toContain("extra");
    expect((await call(id, "add_tool", { name: "extra" })).body.data.content[0].text).toBe("added extra");
    expect(await eventually(async () => (await listChanges(id)) > 0)).toBe(true);
    expect(await toolNames(id)).toContain("extra");
    expect((await call(id, "extra")).body.data.content[0].text).toBe("extra here");
    await station.call("DELETE", `/sessions/${id}`);
  });

  test("deleting the group stops every member's process", async () => {
    const created = await station.create({ server: "live" });
    const pids = created.body.group.members.map((m: { pid: number }) => m.pid);
    await station.call("DELETE", `/sessions/${created.body.session_id}`);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
});
