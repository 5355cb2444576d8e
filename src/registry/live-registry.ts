/**
 * The registry file, read again while the station runs (docs/groups.md,
 * Reload): when the file changes (its directory is watched, so an editor's
 * write-to-a-temporary-and-rename is seen too) and on SIGHUP. A file that
 * does not parse or validate is refused as a whole: the registry in force
 * stays, the error is logged, counted and shown at GET /servers.
 *
 * The servers and groups maps are the ones every reader was given at start
 * (the manager, the endpoints, GET /servers); a reload replaces their
 * contents in one synchronous step, so no request sees half of an old file
 * and half of a new one, and then tells its listeners what changed.
 *
 * @example
 *   const live = new LiveRegistry(path, config.registry, config.groups, log, countReload, config.access);
 *   live.onChange((change) => manager.registryChanged(change));
 *   live.watch();
 *   process.on("SIGHUP", () => live.reload("SIGHUP"));
 */
import { createHash } from "node:crypto";
import { type FSWatcher, readFileSync, watch } from "node:fs";
import { basename, dirname } from "node:path";
import type { Logger } from "../log.ts";
import type { AccessRules } from "../security/access-rules.ts";
import type { GroupEntry } from "./groups.ts";
import { type RegistryContents, readRegistryFile } from "./registry-file.ts";
import type { ServerEntry } from "./registry.ts";

/** What a reload changed, by name. A changed entry is one whose definition differs in any field. */
export interface RegistryChange {
  version: number;
  added: string[];
  changed: string[];
  removed: string[];
  groups: Map<string, GroupEntry>;
}

/** What GET /servers says of the registry in force. */
export interface RegistryStatus {
  file: string | null;
  /** 1 for the file read at start, one more for each reload that changed something. */
  version: number;
  loaded_at: string;
  sha256: string | null;
  last_error: { at: string; message: string } | null;
  reloads: { ok: number; failed: number };
}

/** An editor's save can be several writes in a row: the file is read once they have settled. */
const SETTLE_MS = 100;

export class LiveRegistry {
  private version = 1;
  private loadedAt = new Date();
  private digest: string | null;
  private lastError: RegistryStatus["last_error"] = null;
  private readonly reloads = { ok: 0, failed: 0 };
  private readonly listeners = new Set<(change: RegistryChange) => void>();
  private watcher: FSWatcher | undefined;
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly path: string | undefined,
    readonly servers: Map<string, ServerEntry>,
    readonly groups: Map<string, GroupEntry>,
    private readonly log: Logger,
    /** Told of each reload's outcome (metrics). */
    private readonly counted: (ok: boolean) => void = () => {},
    /** The file's `access` section in force, replaced with the servers (src/security/access-rules.ts). */
    private readonly access?: AccessRules,
  ) {
    this.digest = path ? this.hashOf(path) : null;
  }

  onChange(listener: (change: RegistryChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): RegistryStatus {
    return {
      file: this.path ?? null,
      version: this.version,
      loaded_at: this.loadedAt.toISOString(),
      sha256: this.digest,
      last_error: this.lastError,
      reloads: { ...this.reloads },
    };
  }

  /** Reads the file again. Returns whether it is in force now (an unchanged file is, and changes nothing). */
  reload(why = "reload"): boolean {
    const path = this.path;
    if (!path) return false;
    let text: string;
    let contents: RegistryContents;
    try {
      ({ text, parsed: contents } = readRegistryFile(path));
    } catch (error) {
      const reason = (error as Error).message;
      // The file's own checks name it already; anything else thrown while parsing does not.
      const message = reason.startsWith("MCP_STATION_SERVERS_FILE") ? reason : `MCP_STATION_SERVERS_FILE ${path}: ${reason}`;
      this.reloads.failed += 1;
      this.lastError = { at: new Date().toISOString(), message };
      this.counted(false);
      this.log.error("registry file refused; the registry in force stays", { file: path, why, version: this.version, reason: message });
      return false;
    }
    const digest = createHash("sha256").update(text).digest("hex");
    if (digest === this.digest) return true;
    for (const warning of contents.warnings) this.log.warn(warning);
    const change = this.replace(contents);
    this.digest = digest;
    this.loadedAt = new Date();
    this.lastError = null;
    this.reloads.ok += 1;
    this.counted(true);
    this.log.info("registry reloaded", {
      file: path,
      why,
      version: this.version,
      added: change.added,
      changed: change.changed,
      removed: change.removed,
    });
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error("registry listener failed", { err: error as Error });
      }
    }
    return true;
  }

  /** Watches the file's directory (not the file: an editor's rename would end a watch on it). */
  watch(): void {
    if (!this.path || this.watcher) return;
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), (_event, changed) => {
        if (changed !== null && changed !== name) return;
        clearTimeout(this.settle);
        this.settle = setTimeout(() => this.reload("file changed"), SETTLE_MS);
      });
      this.watcher.unref?.();
    } catch (error) {
      this.log.warn("cannot watch the registry file; reload it with SIGHUP", { file: this.path, reason: (error as Error).message });
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = undefined;
    clearTimeout(this.settle);
  }

  private replace({ servers, groups, access }: RegistryContents): RegistryChange {
    const change: RegistryChange = { version: this.version + 1, added: [], changed: [], removed: [], groups };
    const compare = <T>(before: Map<string, T>, after: Map<string, T>) => {
      for (const [name, entry] of after) {
        if (!before.has(name)) change.added.push(name);
        else if (JSON.stringify(before.get(name)) !== JSON.stringify(entry)) change.changed.push(name);
      }
      for (const name of before.keys()) if (!after.has(name)) change.removed.push(name);
    };
    compare(this.servers, servers);
    compare(this.groups, groups);
    // In one synchronous step: no reader sees a mix of the two files.
    this.servers.clear();
    for (const [name, entry] of servers) this.servers.set(name, entry);
    this.groups.clear();
    for (const [name, entry] of groups) this.groups.set(name, entry);
    this.access?.replace(access);
    this.version = change.version;
    return change;
  }

  private hashOf(path: string): string | null {
    try {
      return createHash("sha256").update(readFileSync(path, "utf8")).digest("hex");
    } catch {
      return null;
    }
  }
}
