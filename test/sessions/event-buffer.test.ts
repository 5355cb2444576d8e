import { describe, expect, test } from "bun:test";
import { EventBuffer } from "../../src/sessions/event-buffer.ts";

describe("EventBuffer", () => {
  test("numbers events and pages after an id", () => {
    const buffer = new EventBuffer(10);
    for (let i = 0; i < 5; i++) buffer.push("notification", { i });
    const page = buffer.since(2);
    expect(page.events.map((e) => e.id)).toEqual([3, 4, 5]);
    expect(page).toMatchObject({ dropped: 0, lastId: 5 });
  });

  test("keeps only its capacity and says how much a late reader missed", () => {
    const buffer = new EventBuffer(100);
    for (let i = 0; i < 1000; i++) buffer.push("notification", { i });
    const page = buffer.since(0);
    expect(page.events).toHaveLength(100);
    expect(page.events[0].id).toBe(901);
    expect(page.dropped).toBe(900);
    expect(buffer.since(950).dropped).toBe(0);
  });

  test("live listeners get every new event; a throwing one does not stop the others", () => {
    const buffer = new EventBuffer(10);
    const seen: number[] = [];
    buffer.subscribe(() => {
      throw new Error("broken listener");
    });
    const unsubscribe = buffer.subscribe((e) => seen.push(e.id));
    buffer.push("status", {});
    unsubscribe();
    buffer.push("status", {});
    expect(seen).toEqual([1]);
  });
});
