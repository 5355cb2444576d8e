/**
 * One server's meters (StationMeters.forServer), shared by all its sessions:
 * its requests by tool and outcome with their time, and its bytes each way,
 * in cells found once per tool. A tools/call is labelled with its tool's
 * name, any other request with its method. At most `maxTools` names per
 * server get a label of their own, first come first served; later names,
 * and names no MCP tool may have, count as `other`, so a server (or a
 * caller) that invents tool names cannot grow the scrape.
 *
 * @example
 *   const meters = new ServerMeterSet("weather", families, byMethod, 50);
 *   meters.request("tools/call", { name: "forecast" }, result, undefined, clock); // {server="weather",tool="forecast"}
 */
import type { RequestClock, SessionMeters } from "../sessions/session-meters.ts";
import type { CounterCell, FastCounter, FastHistogram, HistogramCell } from "./fast-metrics.ts";
import { MAX_TOOL_NAME, OTHER, isToolError, outcomeOf } from "./labels.ts";
import type { MethodMetrics } from "./method-metrics.ts";

/** The families the cells live in (server-metrics.ts registers them). */
export interface ServerFamilies {
  /** server, tool, outcome */
  requests: FastCounter;
  /** server, tool */
  duration: FastHistogram;
  /** server */
  bytesToServer: FastCounter;
  /** server */
  bytesFromServer: FastCounter;
  /** The station's totals, all servers together. */
  allBytesToServers: CounterCell;
  allBytesFromServers: CounterCell;
}

/** One tool's (or method's) cells on one server. */
class ToolCells {
  private readonly byOutcome = new Map<string, CounterCell>();
  private readonly duration: HistogramCell;

  constructor(
    private readonly server: string,
    private readonly tool: string,
    private readonly families: ServerFamilies,
  ) {
    this.duration = families.duration.cell([server, tool]);
  }

  observe(outcome: string, seconds: number): void {
    let counter = this.byOutcome.get(outcome);
    if (!counter) this.byOutcome.set(outcome, (counter = this.families.requests.cell([this.server, this.tool, outcome])));
    counter.value += 1;
    this.families.duration.observe(this.duration, seconds);
  }
}

export class ServerMeterSet implements SessionMeters {
  /** Tools with a label of their own: at most maxTools. */
  private readonly tools = new Map<string, ToolCells>();
  /** Other methods, by their method label: a closed set. */
  private readonly methods = new Map<string, ToolCells>();
  private otherTool: ToolCells | undefined;
  private readonly sent: CounterCell;
  private readonly received: CounterCell;

  constructor(
    readonly server: string,
    private readonly families: ServerFamilies,
    private readonly byMethod: MethodMetrics,
    private readonly maxTools: number,
  ) {
    this.sent = families.bytesToServer.cell([server]);
    this.received = families.bytesFromServer.cell([server]);
  }

  /** Tool names that have a label of their own so far. */
  get namedTools(): number {
    return this.tools.size;
  }

  request(method: string, params: Record<string, unknown> | undefined, result: unknown, error: unknown, clock: RequestClock): void {
    const seconds = (performance.now() - clock.startedAt) / 1000;
    // Clamped so the station's part is never negative, whatever rounding did to the server's.
    const serverSeconds = Math.min(clock.serverMs / 1000, seconds);
    const outcome = outcomeOf(error);
    const methodCells = this.byMethod.cells(method);
    methodCells.observe(outcome, seconds, serverSeconds);
    const toolCells = method === "tools/call" ? this.tool(params?.name) : this.method(methodCells.label);
    toolCells.observe(error === undefined && isToolError(method, result) ? "tool_error" : outcome, seconds);
  }

  bytesToServer(bytes: number): void {
    this.sent.value += bytes;
    this.families.allBytesToServers.value += bytes;
  }

  bytesFromServer(bytes: number): void {
    this.received.value += bytes;
    this.families.allBytesFromServers.value += bytes;
  }

  private tool(name: unknown): ToolCells {
    if (typeof name !== "string") return this.other();
    let cells = this.tools.get(name);
    if (cells) return cells;
    if (this.tools.size >= this.maxTools || name.length === 0 || name.length > MAX_TOOL_NAME) return this.other();
    this.tools.set(name, (cells = new ToolCells(this.server, name, this.families)));
    return cells;
  }

  private method(label: string): ToolCells {
    let cells = this.methods.get(label);
    if (!cells) this.methods.set(label, (cells = new ToolCells(this.server, label, this.families)));
    return cells;
  }

  private other(): ToolCells {
    this.otherTool ??= new ToolCells(this.server, OTHER, this.families);
    return this.otherTool;
  }
}
