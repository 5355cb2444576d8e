/**
 * What the soak counts, and its verdict. Every answer any soak caller gets is one Outcome on one
 * channel; a clean error is also counted by its status and type (409 session_not_running, 502
 * server_exited, ...), so the table says which clean errors callers met, not only how many.
 *
 * @example
 *   const tally = new Tally();
 *   tally.add("mcp/request", { outcome: "clean", detail: "409 session_not_running" });
 *   tally.failures(); // [] while nothing crossed, hung, failed inside the station, or was left behind
 */

/**
 * - correct:   the answer asked for, from the right server (its token) for the right request (its text)
 * - clean:     an error in the documented shape, with a 4xx or 502/503/504
 * - refused:   no answer while the station itself was down (the soak killed it): expected there
 * - crossed:   another session's token, another request's text, another request's id
 * - hung:      no answer by the request's deadline plus a margin
 * - internal:  HTTP 500 or JSON-RPC -32603: an unhandled error inside the station
 * - malformed: anything else (unreadable body, wrong shape, a connection dropped while the station was up)
 */
export type Outcome = "correct" | "clean" | "refused" | "crossed" | "hung" | "internal" | "malformed";
export const OUTCOMES: Outcome[] = ["correct", "clean", "refused", "crossed", "hung", "internal", "malformed"];
const FAILING: Outcome[] = ["crossed", "hung", "internal", "malformed"];

/** Where an answer came from: the load, the session API, or one of the injector's odd callers. */
export type Channel = "mcp/request" | "sessions" | "dropped callers" | "repeated ids" | "event streams";

export interface Judged {
  outcome: Outcome;
  /** For a clean error its status and type; for a failure what was seen, kept as a sample. */
  detail?: string;
}

const SAMPLES = 20;

export class Tally {
  readonly byChannel = new Map<Channel, Record<Outcome, number>>();
  readonly cleanErrors = new Map<string, number>();
  readonly faults = new Map<string, number>();
  /** The first failures, verbatim, so a count is never shown without what was seen. */
  readonly samples: string[] = [];
  /** Processes of the soak still alive after the station that started them was gone. */
  readonly leftovers: string[] = [];
  /** Sessions the station did not bring back under their ids after it was killed. */
  readonly lost: string[] = [];
  /** Calls that threw inside the soak itself: a harness bug, which must not pass for a clean run. */
  harnessErrors = 0;

  add(channel: Channel, { outcome, detail }: Judged): void {
    let row = this.byChannel.get(channel);
    if (!row) this.byChannel.set(channel, (row = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>));
    row[outcome]++;
    if (outcome === "clean" && detail) this.cleanErrors.set(detail, (this.cleanErrors.get(detail) ?? 0) + 1);
    if (FAILING.includes(outcome) && this.samples.length < SAMPLES)
      this.samples.push(`${channel} ${outcome}: ${detail ?? ""}`.slice(0, 400));
  }

  harnessError(message: string): void {
    this.harnessErrors++;
    if (this.samples.length < SAMPLES) this.samples.push(`soak: ${message}`.slice(0, 600));
  }

  fault(kind: string): void {
    this.faults.set(kind, (this.faults.get(kind) ?? 0) + 1);
  }

  total(outcome: Outcome): number {
    let sum = 0;
    for (const row of this.byChannel.values()) sum += row[outcome];
    return sum;
  }

  /** Why the run fails; empty when it passes. `expectedFaults` must each have run at least once. */
  failures(expectedFaults: readonly string[]): string[] {
    const reasons = FAILING.filter((o) => this.total(o) > 0).map((o) => `${this.total(o)} ${o}`);
    if (this.leftovers.length) reasons.push(`${this.leftovers.length} processes left behind`);
    if (this.lost.length) reasons.push(`${this.lost.length} sessions not restored`);
    if (this.harnessErrors) reasons.push(`${this.harnessErrors} errors inside the soak itself`);
    const missing = expectedFaults.filter((kind) => !this.faults.get(kind));
    if (missing.length) reasons.push(`faults never injected: ${missing.join(", ")}`);
    if (!this.byChannel.get("mcp/request")?.correct) reasons.push("no correct answer at all");
    return reasons;
  }

  /** The counts as a plain-text table: one row per channel, one column per outcome. */
  table(): string {
    const rows = [["channel", ...OUTCOMES]];
    for (const [channel, row] of this.byChannel) rows.push([channel, ...OUTCOMES.map((o) => String(row[o]))]);
    rows.push(["total", ...OUTCOMES.map((o) => String(this.total(o)))]);
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");
    const clean = [...this.cleanErrors].sort((a, b) => b[1] - a[1]).map(([what, n]) => `  ${n} × ${what}`);
    const faults = [...this.faults].map(([kind, n]) => `${kind} ${n}`).join(", ");
    return [...rows.map(line), "clean errors by status and type:", ...clean, `faults injected: ${faults}`].join("\n");
  }
}
