/**
 * Which parameters each tool of a session mirrors into `Mcp-Param-*` headers
 * (2026-07-28, SEP-2243), so that a modern client's tools/call can be checked
 * against them (src/protocol/param-headers.ts) before it reaches a stdio
 * server, which never sees the headers. The station lists a session's tools
 * once and keeps their declarations until the server says its list changed
 * (notifications/tools/list_changed) or a restart brings a new process.
 *
 * @example
 *   const problem = await toolHeaders.mismatch(session, request.headers, params);   // "Header mismatch: …" or undefined
 */
import type { Logger } from "../../log.ts";
import { type ParamHeader, paramHeaderMismatch, paramHeaders } from "../../protocol/param-headers.ts";
import type { Session, SessionStatus } from "../../sessions/session.ts";

type Declarations = Map<string, ParamHeader[]>;

/** A server's tools/list is followed this many pages at most (a server whose cursor never ends). */
const MAX_PAGES = 100;

export class ToolHeaders {
  private readonly cached = new WeakMap<Session, Promise<Declarations | undefined>>();
  private readonly watched = new WeakSet<Session>();

  constructor(private readonly log: Logger) {}

  /** How the request's Mcp-Param-* headers fail the called tool's declarations; undefined when they match. */
  async mismatch(session: Session, headers: Headers, params: Record<string, unknown>): Promise<string | undefined> {
    const declared = (await this.declarations(session))?.get(String(params.name));
    return declared && declared.length > 0 ? paramHeaderMismatch(headers, declared, params.arguments) : undefined;
  }

  private declarations(session: Session): Promise<Declarations | undefined> {
    // A server without tools has nothing to list; its tools/call fails on its own.
    if (!session.identity?.capabilities.tools) return Promise.resolve(undefined);
    this.watch(session);
    let declarations = this.cached.get(session);
    if (!declarations) {
      declarations = this.list(session);
      this.cached.set(session, declarations);
    }
    return declarations;
  }

  private async list(session: Session): Promise<Declarations | undefined> {
    const declarations: Declarations = new Map();
    try {
      let cursor: unknown;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = (await session.request("tools/list", cursor === undefined ? undefined : { cursor })) as {
          tools?: { name: string; inputSchema?: unknown }[];
          nextCursor?: unknown;
        };
        for (const tool of result?.tools ?? []) declarations.set(tool.name, paramHeaders(tool.inputSchema));
        cursor = result?.nextCursor;
        if (cursor === undefined || cursor === null) break;
      }
      return declarations;
    } catch (error) {
      // Unchecked rather than refused: the call goes on and fails, or not, on its own; the next call lists again.
      this.cached.delete(session);
      this.log.warn("could not list the tools to check Mcp-Param headers", { session_id: session.id, reason: (error as Error).message });
      return undefined;
    }
  }

  private watch(session: Session): void {
    if (this.watched.has(session)) return;
    this.watched.add(session);
    session.events.subscribe((event) => {
      const data = event.data as { method?: string; status?: SessionStatus };
      if (
        (event.kind === "notification" && data.method === "notifications/tools/list_changed") ||
        (event.kind === "status" && data.status === "starting")
      )
        this.cached.delete(session);
    });
  }
}
