/**
 * Where a group's resources live: resources keep their URIs (a URI names
 * the thing itself, so renaming it would break every link to it), and a URI
 * two members both list belongs to the one listed first in the group, which
 * the merged list shows once. Refreshed by each resources/list.
 */
export interface MemberResources {
  member: string;
  items: Record<string, unknown>[];
}

export class ResourceRoutes {
  private owners = new Map<string, string>();

  /** The members' lists (in the group's member order) as one, each URI once; remembers who owns each. */
  merge(lists: MemberResources[]): Record<string, unknown>[] {
    const owners = new Map<string, string>();
    const merged: Record<string, unknown>[] = [];
    for (const { member, items } of lists) {
      for (const item of items) {
        const uri = item.uri;
        if (typeof uri !== "string" || owners.has(uri)) continue;
        owners.set(uri, member);
        merged.push(item);
      }
    }
    this.owners = owners;
    return merged;
  }

  /** The member that listed `uri` in the last resources/list. */
  ownerOf(uri: string): string | undefined {
    return this.owners.get(uri);
  }
}
