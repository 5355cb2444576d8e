/**
 * The names a group gives its members' tools and prompts (and the keys of
 * their resource templates), and the way back from a name to its member.
 * Pure: no sessions, no I/O.
 *
 * The rules (docs/groups.md, Names):
 * - `always`: every name is `<member><separator><name>`.
 * - `collision`: a name only one member uses stays bare; when two members use
 *   it, the member listed first in the group keeps it and the later ones get
 *   the prefix. Adding a member at the end therefore never renames a tool
 *   that was already there.
 * - `never`: names stay bare; a later member's colliding item is hidden.
 * - A name once given stays with its item for the life of the table, as long
 *   as its member still offers it: a client holding a name is never routed to
 *   another member's tool because lists changed underneath it (a member that
 *   gains a tool another member already exposed gets the prefixed name).
 * - An item whose name (even prefixed) is taken is hidden, and reported.
 *
 * @example
 *   const table = new NameTable("collision", "__");
 *   table.assign([{ member: "a", names: ["search"] }, { member: "b", names: ["search", "fetch"] }]);
 *   // search -> a/search, b__search -> b/search, fetch -> b/fetch
 */
import type { PrefixMode } from "../../registry/groups.ts";

export interface Owner {
  member: string;
  /** The name the member itself uses. */
  original: string;
}

export interface MemberNames {
  member: string;
  names: string[];
}

const keyOf = (member: string, original: string) => `${member}\u0000${original}`;

export class NameTable {
  /** exposed name -> its owner */
  private byName = new Map<string, Owner>();
  /** member + original -> exposed name */
  private byOwner = new Map<string, string>();

  constructor(
    private readonly mode: PrefixMode,
    private readonly separator: string,
  ) {}

  /**
   * Names every item of `lists` (given in the group's member order; include the last known lists of
   * members that are down, so their names stay reserved). Returns the items that got no name.
   */
  assign(lists: MemberNames[]): Owner[] {
    const wanted = new Set<string>();
    for (const { member, names } of lists) for (const name of names) wanted.add(keyOf(member, name));
    const byName = new Map<string, Owner>();
    const byOwner = new Map<string, string>();
    // Names already given keep their items first.
    for (const [key, exposed] of this.byOwner) {
      if (!wanted.has(key)) continue;
      byOwner.set(key, exposed);
      byName.set(exposed, this.byName.get(exposed)!);
    }
    const hidden: Owner[] = [];
    for (const { member, names } of lists) {
      for (const original of names) {
        const key = keyOf(member, original);
        if (byOwner.has(key)) continue;
        const exposed = this.nameFor(member, original, byName);
        if (exposed === undefined) {
          hidden.push({ member, original });
          continue;
        }
        byOwner.set(key, exposed);
        byName.set(exposed, { member, original });
      }
    }
    this.byName = byName;
    this.byOwner = byOwner;
    return hidden;
  }

  private nameFor(member: string, original: string, taken: Map<string, Owner>): string | undefined {
    const prefixed = `${member}${this.separator}${original}`;
    if (this.mode === "always") return taken.has(prefixed) ? undefined : prefixed;
    if (!taken.has(original)) return original;
    if (this.mode === "never") return undefined;
    return taken.has(prefixed) ? undefined : prefixed;
  }

  /** Whose item `name` is, if any. */
  route(name: string): Owner | undefined {
    return this.byName.get(name);
  }

  /** The name the group shows for `member`'s `original`, if it has one. */
  exposed(member: string, original: string): string | undefined {
    return this.byOwner.get(keyOf(member, original));
  }
}
