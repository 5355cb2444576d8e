/**
 * The context manager under Bun: a context set with with() or enter()
 * follows the code across awaits, timers, microtasks, fetch and event
 * emitters, and what one request enters in an Elysia hook stays with that
 * request (the reason the station has its own manager: context-manager.ts).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { EventEmitter } from "node:events";
import { ROOT_CONTEXT, createContextKey } from "@opentelemetry/api";
import { Elysia } from "elysia";
import { StationContextManager } from "../../src/tracing/context-manager.ts";

const KEY = createContextKey("test");
const managers: StationContextManager[] = [];
afterEach(() => {
  for (const manager of managers.splice(0)) manager.disable();
});

function manager(): StationContextManager {
  const made = new StationContextManager();
  managers.push(made);
  return made;
}

describe("StationContextManager", () => {
  test("root outside any with(); the context inside, across every kind of async hop", async () => {
    const contexts = manager();
    expect(contexts.active()).toBe(ROOT_CONTEXT);
    const ctx = ROOT_CONTEXT.setValue(KEY, "request-1");
    const seen = await contexts.with(ctx, async () => {
      const at: Record<string, unknown> = {};
      const value = () => contexts.active().getValue(KEY);
      at.start = value();
      await Promise.resolve();
      at.microtask = value();
      await new Promise((resolve) => setTimeout(resolve, 1));
      at.timeout = value();
      await new Promise((resolve) => setImmediate(resolve));
      at.immediate = value();
      await Bun.sleep(1);
      at.bunSleep = value();
      const server = Bun.serve({ port: 0, fetch: () => new Response("ok") });
      await fetch(`http://127.0.0.1:${server.port}/`).then((response) => response.text());
      server.stop(true);
      at.fetch = value();
      const emitter = new EventEmitter();
      at.emitter = await new Promise((resolve) => {
        emitter.on("tick", () => resolve(value()));
        setTimeout(() => emitter.emit("tick"), 1);
      });
      return at;
    });
    expect(seen).toEqual({
      start: "request-1",
      microtask: "request-1",
      timeout: "request-1",
      immediate: "request-1",
      bunSleep: "request-1",
      fetch: "request-1",
      emitter: "request-1",
    });
    expect(contexts.active()).toBe(ROOT_CONTEXT);
  });

  test("bind() carries a context into a callback called from anywhere", () => {
    const contexts = manager();
    const bound = contexts.bind(ROOT_CONTEXT.setValue(KEY, "bound"), () => contexts.active().getValue(KEY));
    expect(bound()).toBe("bound");
    expect(contexts.bind(ROOT_CONTEXT, 42)).toBe(42);
  });

  test("what an Elysia onRequest hook enters is the handler's, after its awaits, and never another request's", async () => {
    const contexts = manager();
    const app = new Elysia()
      .onRequest(({ request }) => {
        const id = new URL(request.url).searchParams.get("id");
        if (id) contexts.enter(ROOT_CONTEXT.setValue(KEY, id));
      })
      .get("/", async ({ query }) => {
        const before = contexts.active().getValue(KEY) ?? null;
        await Bun.sleep(Number(query.ms));
        return { before, after: contexts.active().getValue(KEY) ?? null };
      });
    const server = app.listen({ port: 0, hostname: "127.0.0.1" });
    try {
      const base = `http://127.0.0.1:${server.server!.port}`;
      // Overlapping requests: a slow one entered first, a fast one after, and one that enters nothing.
      const answers = await Promise.all(
        [`${base}/?id=slow&ms=30`, `${base}/?id=fast&ms=1`, `${base}/?ms=10`].map((url) => fetch(url).then((r) => r.json())),
      );
      expect(answers).toEqual([
        { before: "slow", after: "slow" },
        { before: "fast", after: "fast" },
        { before: null, after: null },
      ]);
    } finally {
      server.stop(true);
    }
  });
});
