/**
 * What a legacy client set up on a legacy server through its MCP session:
 * the resources it subscribed to and the log level it asked for. A server
 * that restarts knows none of it, so the station sends it again to the new
 * process before the client's MCP session carries on (issue 14). A modern
 * server needs none of this: the session itself keeps the level and the
 * subscriptions it bridged, and opens them again after a restart.
 *
 * @example
 *   setup.record("resources/subscribe", { uri: "file:///a" });
 *   await setup.replay(session);   // resources/subscribe file:///a on the new process
 */
import type { Session } from "../../sessions/session.ts";

export class ServerSetup {
  private readonly subscriptions = new Set<string>();
  private logLevel: string | undefined;

  /** A request the server accepted: kept when it set something up. */
  record(method: string, params: Record<string, unknown> | undefined): void {
    const uri = typeof params?.uri === "string" ? params.uri : undefined;
    if (method === "resources/subscribe" && uri) this.subscriptions.add(uri);
    else if (method === "resources/unsubscribe" && uri) this.subscriptions.delete(uri);
    else if (method === "logging/setLevel" && typeof params?.level === "string") this.logLevel = params.level;
  }

  /** The level the client asked for with logging/setLevel, if it did. */
  get level(): string | undefined {
    return this.logLevel;
  }

  /** Sends it all again to the session's new process; what the server refuses now is reported, not retried. */
  async replay(session: Session): Promise<{ method: string; error: unknown }[]> {
    const asks: [string, Record<string, unknown>][] = [];
    if (this.logLevel) asks.push(["logging/setLevel", { level: this.logLevel }]);
    for (const uri of this.subscriptions) asks.push(["resources/subscribe", { uri }]);
    const refused: { method: string; error: unknown }[] = [];
    await Promise.all(
      asks.map(([method, params]) => session.request(method, params).catch((error: unknown) => refused.push({ method, error }))),
    );
    return refused;
  }
}
