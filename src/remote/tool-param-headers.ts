/**
 * What a remote 2026-07-28 server's tools mirror into `Mcp-Param-{Name}`
 * headers (SEP-2243): a client MUST send them on `tools/call`, and the
 * official v2 SDK refuses a call without them (400, HeaderMismatch). The
 * declarations come from the tools' input schemas, read from every
 * `tools/list` answer that passes through the link, and forgotten on
 * `notifications/tools/list_changed` so the next call lists again.
 *
 * @example
 *   tracker.record([{ name: "deploy", inputSchema: { properties: { region: { type: "string", "x-mcp-header": "Region" } } } }]);
 *   tracker.headersFor("deploy", { region: "eu" })   // { "Mcp-Param-Region": "eu" }
 */
import { type ParamHeader, paramHeaderValues, paramHeaders } from "../protocol/param-headers.ts";

export class ToolParamHeaders {
  private readonly byTool = new Map<string, ParamHeader[]>();
  private current = false;
  /** The ids of tools/list requests on their way, whose answers are read. */
  private readonly listing = new Set<number | string>();

  /** Whether the declarations are unknown or out of date: the next call lists the tools first. */
  get stale(): boolean {
    return !this.current;
  }

  sent(message: { id?: number | string; method?: string }): void {
    if (message.method === "tools/list" && message.id !== undefined && message.id !== null) this.listing.add(message.id);
  }

  received(message: { id?: unknown; method?: unknown; result?: unknown }): void {
    if (message.method === "notifications/tools/list_changed") {
      this.current = false;
      return;
    }
    const id = message.id as number | string;
    if (!this.listing.delete(id)) return;
    const tools = (message.result as { tools?: unknown } | undefined)?.tools;
    if (Array.isArray(tools)) this.record(tools);
  }

  record(tools: unknown[]): void {
    for (const tool of tools as { name?: unknown; inputSchema?: unknown }[]) {
      if (typeof tool?.name === "string") this.byTool.set(tool.name, paramHeaders(tool.inputSchema));
    }
    this.current = true;
  }

  headersFor(tool: unknown, args: unknown): Record<string, string> {
    const declared = typeof tool === "string" ? this.byTool.get(tool) : undefined;
    return declared ? paramHeaderValues(declared, args) : {};
  }
}
