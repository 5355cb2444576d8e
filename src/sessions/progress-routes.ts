/**
 * Progress of long requests, routed back to the caller that asked for it.
 * A call that may want progress goes to the server under the station's own
 * progress token (its station id), so the tokens of callers sharing the one
 * stdio stream never collide; the caller's own token is put back on each
 * notifications/progress on the way out.
 *
 * @example
 *   const build = (id: number) => routes.open(id, params, onProgress);   // params with _meta.progressToken = id
 *   routes.route(notification.params);                                  // the caller's view, or undefined
 */

/** Methods whose calls may run long enough to want progress (and so a deadline that progress extends). */
const PROGRESS_METHODS = new Set(["tools/call", "resources/read", "prompts/get", "completion/complete"]);

export type ProgressListener = (params: Record<string, unknown>) => void;

interface Route {
  callerToken: unknown;
  listener: ProgressListener | undefined;
}

/** Whether a call may want progress: a method that runs long, or a caller that brought a token. */
export function wantsProgress(method: string, params: Record<string, unknown> | undefined): boolean {
  return PROGRESS_METHODS.has(method) || (params?._meta as Record<string, unknown> | undefined)?.progressToken !== undefined;
}

export class ProgressRoutes {
  private readonly routes = new Map<number, Route>();

  /** Opens the route for the request sent under station id `id` and returns its params, carrying `id` as the token. */
  open(id: number, params: Record<string, unknown> | undefined, listener: ProgressListener | undefined): Record<string, unknown> {
    const callerMeta = params?._meta as Record<string, unknown> | undefined;
    this.routes.set(id, { callerToken: callerMeta?.progressToken, listener });
    return { ...params, _meta: { ...callerMeta, progressToken: id } };
  }

  /** The request ended: later progress for it is an ordinary notification. */
  close(id: number): void {
    this.routes.delete(id);
  }

  /**
   * A notifications/progress for one of the station's tokens: tells its caller and returns the params as
   * the caller sees them (its own token back). Undefined when the token is none of the open requests'.
   */
  route(params: Record<string, unknown>): Record<string, unknown> | undefined {
    const token = params.progressToken;
    const route = typeof token === "number" ? this.routes.get(token) : undefined;
    if (!route) return undefined;
    const restored = { ...params, progressToken: route.callerToken ?? token };
    route.listener?.(restored);
    return restored;
  }
}
