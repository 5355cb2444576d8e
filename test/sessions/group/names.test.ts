/**
 * The names a group gives its members' items (src/sessions/group/names.ts), and the template match that
 * routes an unlisted URI: pure, no servers.
 */
import { describe, expect, test } from "bun:test";
import { matchesTemplate } from "../../../src/sessions/group/catalog.ts";
import { NameTable } from "../../../src/sessions/group/names.ts";

const exposedOf = (table: NameTable, lists: { member: string; names: string[] }[]) =>
  lists.flatMap(({ member, names }) => names.map((name) => table.exposed(member, name) ?? null));

describe("NameTable", () => {
  test("collision: the member listed first keeps a shared name; adding a member at the end renames nothing", () => {
    const table = new NameTable("collision", "__");
    table.assign([{ member: "a", names: ["search", "read"] }]);
    table.assign([
      { member: "a", names: ["search", "read"] },
      { member: "b", names: ["search", "write"] },
    ]);
    expect(table.exposed("a", "search")).toBe("search");
    expect(table.exposed("a", "read")).toBe("read");
    expect(table.exposed("b", "search")).toBe("b__search");
    expect(table.exposed("b", "write")).toBe("write");
    expect(table.route("b__search")).toEqual({ member: "b", original: "search" });
  });

  test("a name stays with its item: a member gaining a name another already exposes gets the prefix", () => {
    const table = new NameTable("collision", "__");
    table.assign([
      { member: "a", names: [] },
      { member: "b", names: ["lookup"] },
    ]);
    // a is listed first, but b's lookup was named first: a client holding "lookup" still reaches b.
    table.assign([
      { member: "a", names: ["lookup"] },
      { member: "b", names: ["lookup"] },
    ]);
    expect(table.route("lookup")).toEqual({ member: "b", original: "lookup" });
    expect(table.exposed("a", "lookup")).toBe("a__lookup");
    // Once b no longer offers it, the name is free again.
    table.assign([
      { member: "a", names: ["lookup"] },
      { member: "b", names: [] },
    ]);
    expect(table.route("lookup")).toBeUndefined();
    expect(table.route("a__lookup")).toEqual({ member: "a", original: "lookup" });
  });

  test("always prefixes every name; never hides a later collision; a name taken even prefixed is hidden", () => {
    const always = new NameTable("always", ".");
    always.assign([{ member: "a", names: ["x"] }]);
    expect(always.exposed("a", "x")).toBe("a.x");

    const never = new NameTable("never", "__");
    const hiddenNever = never.assign([
      { member: "a", names: ["x"] },
      { member: "b", names: ["x", "y"] },
    ]);
    expect(hiddenNever).toEqual([{ member: "b", original: "x" }]);
    expect(exposedOf(never, [{ member: "b", names: ["x", "y"] }])).toEqual([null, "y"]);

    const taken = new NameTable("collision", "__");
    const hidden = taken.assign([
      { member: "a", names: ["x", "b__x"] },
      { member: "b", names: ["x"] },
    ]);
    expect(hidden).toEqual([{ member: "b", original: "x" }]);
  });
});

test("matchesTemplate: each {expression} matches any text, the rest literally", () => {
  expect(matchesTemplate("demo://resource/dynamic/text/{id}", "demo://resource/dynamic/text/7")).toBe(true);
  expect(matchesTemplate("file:///{path}.txt", "file:///a/b.txt")).toBe(true);
  expect(matchesTemplate("file:///{path}.txt", "file:///a/bxtxt")).toBe(false);
  expect(matchesTemplate("x://{a}/{b}", "y://1/2")).toBe(false);
});
