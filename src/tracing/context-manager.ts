/**
 * The active trace context, kept in an AsyncLocalStorage so it follows a
 * request across its awaits, timers and callbacks (checked under Bun 1.4.5:
 * test/tracing/context-manager.test.ts).
 *
 * Why not @opentelemetry/context-async-hooks, which works under Bun too: an
 * Elysia hook cannot wrap the rest of the request in `with()`, so the HTTP
 * span is made active with `enter()` (AsyncLocalStorage.enterWith), which
 * that package does not expose. Bun calls each request's handler in a fresh
 * async context, so what one request enters never reaches another.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type Context, type ContextManager, ROOT_CONTEXT } from "@opentelemetry/api";

export class StationContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const bound = thisArg === undefined ? fn : (fn.bind(thisArg) as F);
    return this.storage.run(context, bound, ...args);
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== "function") return target;
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return manager.storage.run(context, () => fn.apply(this, args));
    } as unknown as T;
  }

  /** Makes `context` the active one for the rest of the current call and everything it schedules. */
  enter(context: Context): void {
    this.storage.enterWith(context);
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}
