/**
 * The sessions the load drives: one slot per session, each with a token in its server's
 * environment (SOAK_TOKEN) that only that process knows. Every session restarts always, so a killed
 * server comes back under the same id. The session API's own answers (create, delete) are judged
 * like any other: a 500 there fails the soak too.
 *
 * @example
 *   const fleet = new Fleet(station, tally, "soak-k3x9");
 *   await fleet.fill([SERVERS.echo, SERVERS.python]);
 *   const slot = fleet.slotFor(requestId);  // { sessionId, token, server }
 *   await fleet.replace(0);                 // DELETE its session, create another in its place
 */
import { fixture } from "../../test/setup/paths.ts";
import { judgeRestError, parse } from "./answers.ts";
import type { SoakProcess } from "./leftovers.ts";
import type { SoakStation } from "./station.ts";
import type { Tally } from "./tally.ts";

export interface SoakServer {
  name: string;
  spec: Record<string, unknown>;
  /** Whether it has echo.mjs's `slow` tool, which a dropped caller needs to be dropped mid-request. */
  slow: boolean;
}

export const SERVERS = {
  echo: { name: "echo.mjs", spec: { server_type: "node", server_command: fixture("echo.mjs") }, slow: true },
  // Its own child outlives it when only the server is killed: what the station must reap after its own SIGKILL.
  grandchild: { name: "grandchild.mjs", spec: { server_type: "node", server_command: fixture("grandchild.mjs") }, slow: true },
  python: { name: "python SDK", spec: { server_type: "python", server_command: fixture("python/mcp2_env_server.py") }, slow: false },
} satisfies Record<string, SoakServer>;

/** The name of the variable holding a session's token. */
export const TOKEN_VAR = "SOAK_TOKEN";

export interface Slot {
  readonly sessionId: string;
  readonly token: string;
  readonly server: SoakServer;
}

export class Fleet {
  readonly slots: Slot[] = [];
  private made = 0;
  /** Every session made, by token: what a leftover process was started for. */
  private readonly byToken = new Map<string, string>();

  constructor(
    private readonly station: SoakStation,
    private readonly tally: Tally,
    /** Every token starts with it, and so every soak process's environment holds it: how leftovers are found. */
    readonly tag: string,
  ) {}

  /** A new session of `server` with a token of its own; undefined when the station refused it (counted). */
  async create(server: SoakServer): Promise<Slot | undefined> {
    const token = `${this.tag}-${++this.made}`;
    const spec = { ...server.spec, env_vars: { [TOKEN_VAR]: token }, restart_policy: "always", max_restarts: 1000 };
    const response = await this.station.fetch("/sessions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(spec),
    });
    const text = await response.text();
    const sessionId = response.status === 200 ? (parse(text) as { session_id?: unknown })?.session_id : undefined;
    if (typeof sessionId === "string") {
      this.tally.add("sessions", { outcome: "correct" });
      this.byToken.set(token, `session ${sessionId} (${server.name})`);
      return { sessionId, token, server };
    }
    this.tally.add("sessions", judgeRestError(response.status, text, "POST /sessions: "));
    return undefined;
  }

  /** Creates `server`'s session, asking again after a refusal (a start can time out on a busy machine). */
  async createSurely(server: SoakServer): Promise<Slot> {
    for (let attempt = 1; ; attempt++) {
      const slot = await this.create(server);
      if (slot) return slot;
      if (attempt === 10) throw new Error(`the station refused ${server.name} ten times in a row`);
    }
  }

  async fill(servers: SoakServer[]): Promise<void> {
    for (const server of servers) this.slots.push(await this.createSurely(server));
  }

  /** The slot request `id` goes to: round robin, so every session gets its share. */
  slotFor(id: number): Slot {
    return this.slots[id % this.slots.length]!;
  }

  /** A random slot, among those whose server `fits`. */
  pick(fits: (server: SoakServer) => boolean = () => true): Slot | undefined {
    const candidates = this.slots.filter((slot) => fits(slot.server));
    return candidates[Math.floor(Math.random() * candidates.length)];
  }

  async delete(sessionId: string): Promise<void> {
    const response = await this.station.fetch(`/sessions/${sessionId}`, { method: "DELETE" });
    const text = await response.text();
    this.tally.add(
      "sessions",
      response.status === 200 ? { outcome: "correct" } : judgeRestError(response.status, text, "DELETE /sessions: "),
    );
  }

  /** Deletes the session in slot `index` and puts a new one of the same server in its place; the load follows. */
  async replace(index: number): Promise<void> {
    const old = this.slots[index]!;
    await this.delete(old.sessionId);
    this.slots[index] = await this.createSurely(old.server);
  }

  /** A process of the run, with the session it was started for. */
  describe({ pid, token, command }: SoakProcess): string {
    return `${pid} ${command}, of ${this.byToken.get(token) ?? token}`;
  }

  /** Every session's status, by id, as the station lists them. */
  async statuses(): Promise<Map<string, string>> {
    const list: any = await (await this.station.fetch("/sessions")).json();
    return new Map((list.sessions ?? []).map((info: any) => [info.session_id, info.status]));
  }

  /** The pid of a session's server while it runs. */
  async pidOf(slot: Slot): Promise<number | undefined> {
    const info: any = await (await this.station.fetch(`/sessions/${slot.sessionId}`)).json().catch(() => undefined);
    return info?.status === "running" && typeof info.pid === "number" ? info.pid : undefined;
  }

  async deleteAll(): Promise<void> {
    await Promise.all(this.slots.splice(0).map((slot) => this.delete(slot.sessionId)));
  }
}
