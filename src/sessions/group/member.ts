/**
 * One member of a group session: its own session (a full station session,
 * with its own restart policy, health checks and metrics), or the reason it
 * has none, and the last lists it gave (tools, prompts, resource templates).
 * The last lists are kept while the member is down: its names stay reserved,
 * so nothing else takes them, and they come back when it does.
 */
import type { Session } from "../session.ts";
import { isLive } from "../session-info.ts";

export type Item = Record<string, unknown> & { name: string };
export type Template = Record<string, unknown> & { uriTemplate: string };

/** What GET /sessions/{id} shows of a member. */
export interface MemberInfo {
  name: string;
  session_id: string | null;
  status: string;
  pid: number | null;
  error: string | null;
  tools: number;
  prompts: number;
}

export class GroupMember {
  session: Session | undefined;
  /** Why it has no session (its start failed), or why its lists could not be read. */
  error: string | undefined;
  tools: Item[] = [];
  prompts: Item[] = [];
  templates: Template[] = [];
  /** Starts that failed in a row (the next attempt's backoff), and that attempt's timer. */
  startFailures = 0;
  retry: ReturnType<typeof setTimeout> | undefined;
  /** Undoes what the group attached to the member's session (its listeners, its client proxy). */
  detach: (() => void) | undefined;

  constructor(readonly name: string) {}

  /** It takes requests now (running, or unresponsive but not yet given up on). */
  get available(): boolean {
    return this.session !== undefined && isLive(this.session.status);
  }

  get status(): string {
    return this.session?.status ?? "failed";
  }

  info(): MemberInfo {
    return {
      name: this.name,
      session_id: this.session?.id ?? null,
      status: this.status,
      pid: this.session?.pid ?? null,
      error: this.error ?? (this.session?.status === "failed" ? (this.session.failureReason ?? null) : null),
      tools: this.tools.length,
      prompts: this.prompts.length,
    };
  }
}
