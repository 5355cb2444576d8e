/**
 * One station as a node of a cluster: it joins (membership.ts), renews its
 * lease every fifth of the TTL, declares nodes whose lease ran out dead,
 * adopts its share of their sessions (adoption.ts), and decides for each
 * request whether it is served here, forwarded to the owner, or answered
 * 503 while its session moves (route()).
 *
 * Never two copies: the node arms a timer at its own deadline minus one
 * renewal interval (membership.ts says why that deadline is safe). Unless a
 * renewal moved the deadline first, the timer fences the node: every server
 * is killed at once, the store's recording stops, and the node answers 503
 * until it has joined again with a new epoch. A node frozen by the kernel
 * cannot run that timer; its watchdog (watchdog.ts) does the killing then.
 */
import { SQL } from "bun";
import type { Logger } from "../log.ts";
import type { SessionManager, TenantPlace } from "../sessions/manager.ts";
import { NodeFenced } from "../errors.ts";
import type { SessionPersistence } from "../store/persistence.ts";
import { restoreRows } from "../store/restore.ts";
import type { SessionStore } from "../store/session-store.ts";
import { Adoption, type Claimed } from "./adoption.ts";
import { type ClusterMeters, NO_METERS } from "./cluster-meters.ts";
import { Directory } from "./directory.ts";
import { Forwarder } from "./forwarder.ts";
import { Membership, type NodeRecord } from "./membership.ts";
import { channels, createClusterSchema } from "./schema.ts";
import { SessionCounts, type TenantClaim } from "./session-counts.ts";
import type { Watchdog } from "./watchdog.ts";

export interface ClusterSettings {
  nodeId: string;
  /** Unset: http://<advertiseHost>:<the port listened on>. */
  advertiseUrl?: string;
  advertiseHost: string;
  secret: string;
  leaseTtlMs: number;
}

export interface ClusterNodeOptions {
  settings: ClusterSettings;
  databaseUrl: string;
  store: SessionStore;
  persistence: SessionPersistence;
  manager: SessionManager;
  /** Grace of a leftover server group between SIGTERM and SIGKILL (restore.ts). */
  graceMs: number;
  log: Logger;
  meters?: ClusterMeters;
}

export type NodeStatus = "joining" | "live" | "fenced" | "leaving";

export type Route =
  | { kind: "local" }
  | { kind: "forward"; node: NodeRecord }
  /** The owner is dead or left, or this node is starting the session: 503 with Retry-After. */
  | { kind: "moving" }
  | { kind: "fenced" }
  /** A forwarded request for a session this node does not own. */
  | { kind: "not_owner"; owner: string | null };

export class ClusterNode {
  status: NodeStatus = "joining";
  readonly meters: ClusterMeters;
  readonly forwarder: Forwarder;
  private readonly sql: SQL;
  private readonly leaseSql: SQL;
  private membership!: Membership;
  private readonly directory: Directory;
  private readonly adoption: Adoption;
  private readonly counts: SessionCounts;
  /** Sessions claimed by this node and not yet in the manager. */
  private readonly adopting = new Set<string>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private fenceTimer: ReturnType<typeof setTimeout> | undefined;
  private watching = false;
  /** Counts this process's joins: a restore begun before a fence adopts nothing after it. */
  private term = 0;
  private stopped = false;
  watchdog: Watchdog | undefined;

  constructor(private readonly options: ClusterNodeOptions) {
    const p = options.store.tablePrefix;
    this.meters = options.meters ?? NO_METERS;
    // Connections of its own, apart from the store's: directory reads, adoption, counts.
    this.sql = new SQL(options.databaseUrl, { max: 4, idleTimeout: 30, connectionTimeout: Math.max(1, this.intervalMs / 1000) });
    // And one for the lease alone: under a burst of directory misses a renewal must not queue behind them
    // (seen: 900 concurrent first forwards held a shared pool past the deadline and the node fenced).
    this.leaseSql = new SQL(options.databaseUrl, { max: 1, connectionTimeout: Math.max(1, this.intervalMs / 1000) });
    this.directory = new Directory(this.sql, p, channels(p).directory, options.log);
    this.adoption = new Adoption(this.sql, p, options.settings.nodeId);
    this.forwarder = new Forwarder(options.settings.secret, options.settings.nodeId);
    this.counts = new SessionCounts(this.sql, p);
    options.manager.claimTenantPlaces((tenant, sessionId) => this.claimPlace(tenant, sessionId));
  }

  get nodeId(): string {
    return this.options.settings.nodeId;
  }

  get epoch(): number {
    return this.membership?.epoch ?? 0;
  }

  /** A renewal every fifth of the TTL: four may fail before the node must fence. */
  get intervalMs(): number {
    return Math.max(100, Math.floor(this.options.settings.leaseTtlMs / 5));
  }

  /** Joins the cluster and restores the sessions still named after this node; throws NodeIdTaken. */
  async start(listeningPort: number): Promise<void> {
    const p = this.options.store.tablePrefix;
    const { settings } = this.options;
    const advertiseUrl = settings.advertiseUrl ?? `http://${settings.advertiseHost}:${listeningPort}`;
    this.membership = new Membership(this.leaseSql, this.sql, p, {
      nodeId: settings.nodeId,
      advertiseUrl,
      leaseTtlMs: settings.leaseTtlMs,
    });
    await createClusterSchema(this.sql, p);
    const { restoring } = await this.join();
    await this.directory.listen();
    await this.sql.listen(channels(p).members, () => void this.watchRound());
    this.schedule();
    await restoring;
  }

  /** Joins with a new epoch; resolves once live, with the restore of the sessions it took back still running. */
  private async join(): Promise<{ restoring: Promise<void> }> {
    const epoch = await this.membership.join();
    this.armFence();
    this.beatWatchdog();
    this.options.persistence.resume();
    this.term += 1;
    await this.membership.refresh();
    // Live only once the sessions it claims back are marked as being restored: until then a request for one
    // would find its row naming this node and nothing running here, and answer 404.
    const restoring = this.restore(await this.adoption.claimOwn(), "own");
    this.status = "live";
    this.options.log.info("cluster: joined", { node_id: this.nodeId, epoch });
    await this.sql.notify(channels(this.options.store.tablePrefix).members, `joined ${this.nodeId}`);
    return { restoring };
  }

  /**
   * The watchdog acts half a renewal interval after the node's own fence would have: only when the node
   * could not fence itself (frozen), and still before the lease can end.
   */
  private beatWatchdog(): void {
    this.watchdog?.beat(this.membership.deadline - this.intervalMs / 2);
  }

  /**
   * Two loops, each every renewal interval: the lease (renew, or rejoin when fenced) and the watch (read the
   * members, declare the dead, adopt a share of their sessions). Apart, so that a slow watch round never
   * delays a renewal (seen under load: a round of four queries made the node miss its deadline).
   */
  private schedule(): void {
    const loop = (round: () => Promise<void>) => {
      if (this.stopped) return;
      const timer = setTimeout(async () => {
        this.timers.delete(timer);
        await round();
        loop(round);
      }, this.intervalMs);
      this.timers.add(timer);
      timer.unref?.();
    };
    loop(() => this.leaseRound());
    loop(() => this.watchRound());
  }

  private async leaseRound(): Promise<void> {
    if (this.stopped) return;
    try {
      if (this.status === "fenced") {
        await this.join();
        return;
      }
      if (this.status !== "live") return;
      const started = performance.now();
      const renewed = await this.membership.renew();
      this.meters.renewed(performance.now() - started, renewed);
      if (!renewed) {
        this.fence("the lease was taken over (this node was declared dead)");
        return;
      }
      this.armFence();
      this.beatWatchdog();
    } catch (error) {
      // The database did not answer: the fence timer decides when that becomes fatal.
      this.options.log.warn("cluster: lease round failed", { err: error as Error, status: this.status });
    }
  }

  /** Also run at once when a member joins, dies or leaves (a notification). */
  private async watchRound(): Promise<void> {
    if (this.watching || this.stopped || this.status !== "live") return;
    this.watching = true;
    try {
      await this.membership.refresh();
      const declared = await this.membership.declareDead();
      for (const dead of declared) this.options.log.warn("cluster: declared a node dead (its lease ran out)", { ...dead, by: this.nodeId });
      if (declared.length > 0) await this.sql.notify(channels(this.options.store.tablePrefix).members, "dead");
      // Not awaited: starting many servers takes longer than a renewal interval.
      void this.restore(await this.adoption.claimOrphans(), "adopted");
    } catch (error) {
      this.options.log.warn("cluster: watch round failed", { err: error as Error });
    } finally {
      this.watching = false;
    }
  }

  /** (Re)arms the self-fence at the deadline minus one renewal interval. */
  private armFence(): void {
    clearTimeout(this.fenceTimer);
    const wait = this.membership.deadline - this.intervalMs - performance.now();
    this.fenceTimer = setTimeout(() => this.fence("the lease could not be renewed before its deadline"), Math.max(0, wait));
  }

  /** Stops every server now and answers 503 until the node has joined again. */
  fence(reason: string): void {
    if (this.status !== "live") return;
    this.status = "fenced";
    clearTimeout(this.fenceTimer);
    this.options.persistence.suspend();
    const killed = this.options.manager.abandonAll();
    this.watchdog?.rest();
    this.adopting.clear();
    this.meters.fenced();
    this.options.log.error("cluster: fenced: every server of this node was stopped; rejoining with a new epoch", {
      node_id: this.nodeId,
      epoch: this.epoch,
      reason,
      sessions: killed,
    });
  }

  private async restore(claims: Claimed[], why: "own" | "adopted"): Promise<void> {
    if (claims.length === 0) return;
    const { store, manager, graceMs, log } = this.options;
    const term = this.term;
    for (const { row, generation } of claims) {
      store.setGeneration(row.session_id, generation);
      this.adopting.add(row.session_id);
    }
    if (why === "adopted") this.meters.adopted(claims.length);
    log.info(why === "own" ? "cluster: restoring this node's sessions" : "cluster: adopting sessions of a dead node", {
      node_id: this.nodeId,
      sessions: claims.length,
    });
    try {
      await restoreRows(
        claims.map((claim) => claim.row),
        store,
        manager,
        // A fence while leftovers were being ended: nothing more is adopted, so nothing starts on a fenced node.
        { restore: true, graceMs, admit: () => this.status === "live" && this.term === term },
        log,
      );
    } catch (error) {
      // Its sessions stay claimed by this node: the next join claims them back, or others adopt them once it is gone.
      log.error("cluster: restoring claimed sessions failed", { err: error as Error, sessions: claims.length });
    } finally {
      // After a fence and a rejoin the marks are the new term's.
      if (this.term === term) for (const { row } of claims) this.adopting.delete(row.session_id);
    }
  }

  /** Where a request for `sessionId` goes; `forwarded`: it came from another node, and goes nowhere else. */
  async route(sessionId: string, forwarded: boolean): Promise<Route> {
    if (this.status !== "live") return { kind: "fenced" };
    // Before the manager: a session being restored is in it already, starting, and would answer 409.
    if (this.adopting.has(sessionId)) return { kind: "moving" };
    if (this.options.manager.holds(sessionId)) return { kind: "local" };
    const placement = await this.directory.lookup(sessionId);
    if (!placement?.node || placement.node === this.nodeId) return { kind: "local" };
    if (forwarded) return { kind: "not_owner", owner: placement.node };
    let node = this.membership.node(placement.node);
    if (!node?.live) node = (await this.membership.refresh()).find((n) => n.node_id === placement.node);
    if (!node?.live) return { kind: "moving" };
    return { kind: "forward", node };
  }

  /** A create's place among the tenant's sessions on every node (session-counts.ts); given back once its row is written. */
  private async claimPlace(tenant: string, sessionId: string): Promise<TenantPlace> {
    let claim: TenantClaim;
    try {
      claim = await this.counts.claim(tenant, sessionId, this.nodeId);
    } catch (error) {
      this.options.log.warn("cluster: a tenant's sessions could not be counted", { tenant, err: error as Error });
      throw new NodeFenced("the cluster's database did not answer while the tenant's sessions were counted; retry shortly", {
        node_id: this.nodeId,
      });
    }
    return {
      elsewhere: claim.elsewhere,
      release: () =>
        void this.written()
          .then(() => claim.release())
          // Left behind, it stops counting once the session's row exists, and is gone when it expires.
          .catch((error) =>
            this.options.log.warn("cluster: a tenant claim was not removed", { session_id: sessionId, err: error as Error }),
          ),
    };
  }

  /** Resolves once the store has taken every write queued so far (a new session's row, say). */
  written(): Promise<void> {
    return this.options.persistence.flushed();
  }

  /** Reads the placement again past the cache (after a node answered not_owner). */
  async refresh(sessionId: string): Promise<void> {
    await this.directory.read(sessionId);
  }

  /** The owner could not be reached: its view is read again, so the next request sees it dead sooner. */
  async ownerUnreachable(): Promise<void> {
    await this.membership.refresh().catch(() => {});
  }

  /** Every live node, for GET /sessions fanned out. */
  liveNodes(): NodeRecord[] {
    return this.membership.liveNodes();
  }

  /** GET /cluster: every node with its epoch, lease and sessions. */
  async describe() {
    const nodes = this.membership ? await this.membership.refresh() : [];
    const byNode = await this.counts.byNode();
    return {
      node_id: this.nodeId,
      epoch: this.epoch,
      status: this.status,
      lease_ttl_ms: this.options.settings.leaseTtlMs,
      nodes: nodes.map((node) => ({
        node_id: node.node_id,
        epoch: node.epoch,
        state: (node.live ? "live" : node.state === "live" ? "expired" : node.state) as "live" | "expired" | "dead" | "left",
        advertise_url: node.advertise_url,
        host: node.host,
        pid: node.pid,
        lease_until: node.lease_until,
        lease_ms_left: node.lease_ms_left,
        sessions: byNode.get(node.node_id) ?? 0,
      })),
    };
  }

  /**
   * SIGTERM: hand the sessions over now. The servers are stopped first, with
   * the store's record frozen as "running", and only then is the lease given
   * up: the others adopt at once, and never while a server still runs here.
   */
  async handOver(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    const wasLive = this.status === "live";
    this.status = "leaving";
    await this.options.persistence.freeze();
    await this.options.manager.shutdown();
    if (wasLive) {
      await this.membership
        .leave()
        .catch((error) => this.options.log.warn("cluster: could not give the lease up", { err: error as Error }));
      await this.sql.notify(channels(this.options.store.tablePrefix).members, `left ${this.nodeId}`).catch(() => {});
    }
    clearTimeout(this.fenceTimer);
    this.watchdog?.rest();
    this.options.log.info("cluster: handed over", { node_id: this.nodeId, epoch: this.epoch });
  }

  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearTimeout(this.fenceTimer);
    await this.directory.close();
    await this.sql.close({ timeout: 1 }).catch(() => {});
    await this.leaseSql.close({ timeout: 1 }).catch(() => {});
  }
}
