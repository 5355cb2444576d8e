/**
 * Pinned tools: the defence against a server that changes its tools after
 * they were reviewed (a "rug pull": a description that now carries
 * instructions to the model, an input schema widened to take more). Each
 * registered server's tool definitions are fingerprinted (fingerprint.ts) the
 * first time the station sees them, or taken from the registry file's
 * `station.pinned_tools`. A later definition that differs is withheld: absent
 * from `tools/list`, refused at `tools/call`,
 * logged and counted, until an admin approves it (GET /pins/changes shows the
 * difference, POST /pins/approve takes it; GET /pins lists what is pinned).
 * In `server` mode one change withholds every tool of the server.
 *
 * @example
 *   const pins = new ToolPins({ mode: "tools", log, backend });
 *   const shown = await pins.review("files", tools);   // the tools a client may see
 *   pins.withheld("files", "read")                      // true while a change of `read` waits for approval
 */
import { BadRequest, NotFound } from "../errors.ts";
import type { Logger } from "../log.ts";
import { type PinnedDefinition, canonicalJson, pinnedPart, toolFingerprint } from "./fingerprint.ts";

export type PinningMode = "off" | "tools" | "server";

export interface PinRecord {
  server: string;
  tool: string;
  fingerprint: string;
  definition: string | null;
  approved_at: string;
}

/** Where approvals are kept (src/store/pin-rows.ts); none: for this run of the station only. */
export interface PinBackend {
  load(): Promise<PinRecord[]>;
  save(row: PinRecord): Promise<void>;
}

interface Approved {
  fingerprint: string;
  definition: PinnedDefinition | null;
  approvedAt: string;
  /** From the registry file: the file is the authority, an approval through the API lasts until the next start. */
  fromRegistry: boolean;
}

interface Pending {
  fingerprint: string;
  definition: PinnedDefinition;
  seenAt: string;
}

/** A server's pinned tools, as GET /pins lists them. */
export interface ServerPinList {
  server: string;
  /** By tool name; `approved_at` is "registry" for a pin given in the registry file. */
  tools: { tool: string; fingerprint: string; approved_at: string }[];
}

/** A withheld definition beside the approved one, as GET /pins/changes shows it. */
export interface PinChange {
  server: string;
  tool: string;
  approved: { fingerprint: string; definition: PinnedDefinition | null; approved_at: string } | null;
  seen: { fingerprint: string; definition: PinnedDefinition; seen_at: string };
  /** The fields of the pinned part that differ (name, description, inputSchema). */
  differs: string[];
}

interface ServerPins {
  approved: Map<string, Approved>;
  pending: Map<string, Pending>;
}

export interface ToolPinsOptions {
  mode: PinningMode;
  log: Logger;
  backend?: PinBackend;
  /** Registry entries' `station.pinned_tools`: server -> tool -> fingerprint. */
  registryPins?: Map<string, Record<string, string>>;
  /** Told of each definition newly withheld (metrics). */
  onWithheld?(server: string): void;
}

export class ToolPins {
  private readonly servers = new Map<string, ServerPins>();
  private readonly ready: Promise<void>;

  constructor(private readonly options: ToolPinsOptions) {
    this.ready = this.load();
  }

  get mode(): PinningMode {
    return this.options.mode;
  }

  private async load(): Promise<void> {
    try {
      for (const row of (await this.options.backend?.load()) ?? []) {
        this.of(row.server).approved.set(row.tool, {
          fingerprint: row.fingerprint,
          definition: row.definition === null ? null : (JSON.parse(row.definition) as PinnedDefinition),
          approvedAt: row.approved_at,
          fromRegistry: false,
        });
      }
    } catch (error) {
      this.options.log.error("tool pins: the store could not be read; pins start empty", { err: error as Error });
    }
    this.applyRegistryPins(this.options.registryPins ?? new Map());
  }

  /** The registry file's pins over whatever else is approved: the file is the authority. */
  private applyRegistryPins(registryPins: Map<string, Record<string, string>>): void {
    for (const [server, pins] of registryPins) {
      for (const [tool, fingerprint] of Object.entries(pins)) {
        this.of(server).approved.set(tool, { fingerprint, definition: null, approvedAt: "registry", fromRegistry: true });
      }
    }
  }

  /**
   * The registry file's pins after a reload replace its earlier ones, as at a start. A pin the file no longer
   * gives is dropped (the next definition seen is a first sighting, as after a restart); a withheld definition
   * that a new pin names is released. Servers' tools are checked against the new pins at their next tools/list.
   */
  async useRegistryPins(registryPins: Map<string, Record<string, string>>): Promise<void> {
    await this.ready;
    for (const [server, pins] of this.servers) {
      for (const [tool, approved] of pins.approved) {
        if (approved.fromRegistry && registryPins.get(server)?.[tool] === undefined) pins.approved.delete(tool);
      }
    }
    this.applyRegistryPins(registryPins);
    for (const pins of this.servers.values()) {
      for (const [tool, seen] of pins.pending) if (pins.approved.get(tool)?.fingerprint === seen.fingerprint) pins.pending.delete(tool);
    }
  }

  private of(server: string): ServerPins {
    let pins = this.servers.get(server);
    if (!pins) {
      pins = { approved: new Map(), pending: new Map() };
      this.servers.set(server, pins);
    }
    return pins;
  }

  /**
   * Checks one page of `server`'s tools against its pins and returns those a client may see. A tool seen
   * for the first time is trusted and pinned; a definition that differs from its pin waits for an admin.
   */
  async review(server: string, tools: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    await this.ready;
    const pins = this.of(server);
    const now = new Date().toISOString();
    const shown: Record<string, unknown>[] = [];
    for (const tool of tools) {
      if (typeof tool?.name !== "string") continue;
      const name = tool.name;
      const fingerprint = toolFingerprint(tool);
      const approved = pins.approved.get(name);
      if (approved?.fingerprint === fingerprint) {
        // Back to what was approved: nothing waits any more.
        pins.pending.delete(name);
        shown.push(tool);
        continue;
      }
      if (!approved) {
        // Trust on first use, per tool: a tool added later is new, not changed, and a server that grows its
        // tools as it runs (groups re-read them on list_changed) keeps working; its definition is pinned from now on.
        await this.pin(server, name, fingerprint, pinnedPart(tool), now);
        shown.push(tool);
        continue;
      }
      if (pins.pending.get(name)?.fingerprint !== fingerprint) {
        pins.pending.set(name, { fingerprint, definition: pinnedPart(tool), seenAt: now });
        this.options.log.warn("tool pins: a tool definition differs from the approved one; withheld until an admin approves it", {
          server,
          tool: name,
          approved_fingerprint: approved.fingerprint,
          seen_fingerprint: fingerprint,
        });
        this.options.onWithheld?.(server);
      }
    }
    if (this.options.mode === "server" && pins.pending.size > 0) return [];
    return shown;
  }

  /** Whether a call to `tool` of `server` is refused: its definition (or, in server mode, any) waits for approval. */
  withheld(server: string, tool: string): boolean {
    const pins = this.servers.get(server);
    if (!pins) return false;
    return this.options.mode === "server" ? pins.pending.size > 0 : pins.pending.has(tool);
  }

  /** The approved fingerprints (first seen, approved by an admin, or from the registry file), by server and tool name. */
  async pinned(server?: string): Promise<ServerPinList[]> {
    await this.ready;
    const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.servers]
      .filter(([name, pins]) => (server === undefined || name === server) && pins.approved.size > 0)
      .sort(([a], [b]) => byName(a, b))
      .map(([name, pins]) => ({
        server: name,
        tools: [...pins.approved]
          .sort(([a], [b]) => byName(a, b))
          .map(([tool, approved]) => ({ tool, fingerprint: approved.fingerprint, approved_at: approved.approvedAt })),
      }));
  }

  /** The definitions waiting for approval, with what was approved before. */
  changes(server?: string): PinChange[] {
    const changes: PinChange[] = [];
    for (const [name, pins] of this.servers) {
      if (server !== undefined && name !== server) continue;
      for (const [tool, seen] of pins.pending) {
        const approved = pins.approved.get(tool);
        changes.push({
          server: name,
          tool,
          approved: approved
            ? { fingerprint: approved.fingerprint, definition: approved.definition, approved_at: approved.approvedAt }
            : null,
          seen: { fingerprint: seen.fingerprint, definition: seen.definition, seen_at: seen.seenAt },
          differs: differences(approved?.definition ?? null, seen.definition),
        });
      }
    }
    return changes;
  }

  /** An admin approves the definition with `fingerprint` (the one GET /pins/changes showed, not a later one). */
  async approve(server: string, tool: string, fingerprint: string): Promise<PinChange> {
    await this.ready;
    const change = this.changes(server).find((c) => c.tool === tool);
    if (!change) throw new NotFound(`no definition of ${server}/${tool} is waiting for approval (GET /pins/changes lists them)`);
    if (change.seen.fingerprint !== fingerprint) {
      throw new BadRequest(
        `the definition of ${server}/${tool} waiting for approval has fingerprint ${change.seen.fingerprint}, not ${fingerprint}`,
        {
          server,
          tool,
          fingerprint: change.seen.fingerprint,
        },
      );
    }
    await this.pin(server, tool, fingerprint, change.seen.definition, new Date().toISOString());
    this.of(server).pending.delete(tool);
    this.options.log.info("audit: tool definition approved", { server, tool, fingerprint });
    return change;
  }

  private async pin(server: string, tool: string, fingerprint: string, definition: PinnedDefinition, at: string): Promise<void> {
    this.of(server).approved.set(tool, { fingerprint, definition, approvedAt: at, fromRegistry: false });
    try {
      await this.options.backend?.save({ server, tool, fingerprint, definition: JSON.stringify(definition), approved_at: at });
    } catch (error) {
      // The pin holds for this run; the next start sees the definition as new and withholds it, the safe side.
      this.options.log.error("tool pins: the store could not keep a pin", { server, tool, err: error as Error });
    }
  }
}

function differences(approved: PinnedDefinition | null, seen: PinnedDefinition): string[] {
  const fields = ["name", "description", "inputSchema"] as const;
  if (!approved) return [...fields];
  return fields.filter((field) => canonicalJson(approved[field]) !== canonicalJson(seen[field]));
}
