/**
 * What a session asks of the pinned tools (src/pins/tool-pins.ts): which of
 * its registered server's tools a client may see, and whether a call is
 * refused. A session of an unregistered command is not pinned: it has no
 * name that its definitions could be remembered by.
 */
export interface ToolGuard {
  /** The tools of `server` a client may see, after checking them against their pins. */
  review(server: string, tools: Record<string, unknown>[]): Promise<Record<string, unknown>[]>;
  /** Whether a call to `tool` is refused while its definition waits for approval. */
  withheld(server: string, tool: string): boolean;
}
