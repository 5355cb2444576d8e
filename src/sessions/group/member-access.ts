/**
 * Each member's access rules on a group's merged lists. The members' lists
 * are read for the group as a whole (their names must not depend on who
 * listed last), so the rules a member's own session would apply to a caller
 * are applied here, on the member's own tool and prompt names and its URIs.
 * A call, get, read or completion is checked by the member itself: the group
 * passes the caller on (member-call.ts), and Session.request checks it; a
 * tool call one more scope would give is challenged from here (step-up).
 *
 * @example
 *   new MemberAccess(settings.access, catalog).prompts(prompts, caller)   // those the caller may get
 */
import type { AccessRules } from "../../security/access-rules.ts";
import type { Caller } from "../../security/caller.ts";
import type { GroupCatalog } from "./catalog.ts";
import type { Item, Template } from "./member.ts";
import type { NameTable, Owner } from "./names.ts";

export class MemberAccess {
  constructor(
    private readonly access: AccessRules | undefined,
    private readonly catalog: GroupCatalog,
  ) {}

  /** The rules when they apply to this caller's requests; undefined when everything is shown. */
  private rules(caller: Caller | undefined): AccessRules | undefined {
    return this.access?.enabled && caller ? this.access : undefined;
  }

  tools(items: Item[], caller: Caller | undefined): Item[] {
    const rules = this.rules(caller);
    return rules ? byOwner(items, this.catalog.tools, (member, name) => rules.toolsFor(caller!, member).allows(name)) : items;
  }

  prompts(items: Item[], caller: Caller | undefined): Item[] {
    const rules = this.rules(caller);
    return rules ? byOwner(items, this.catalog.prompts, (member, name) => rules.promptsFor(caller!, member).allows(name)) : items;
  }

  resources(items: Record<string, unknown>[], caller: Caller | undefined): Record<string, unknown>[] {
    const rules = this.rules(caller);
    if (!rules) return items;
    return items.filter((item) => typeof item.uri === "string" && this.mayRead(item.uri, caller));
  }

  templates(items: Template[], caller: Caller | undefined): Template[] {
    const rules = this.rules(caller);
    if (!rules) return items;
    return items.filter((template) => {
      const owner = this.catalog.templates.route(template.uriTemplate);
      return owner !== undefined && rules.resourcesFor(caller!, owner.member).mayExpand(template.uriTemplate);
    });
  }

  /**
   * A scope the caller's token lacks that would let it call `owner`'s tool under the member's own name: what
   * the group's step-up challenge names when the member's rules refuse the call. Undefined when the member
   * allows it already, or no scope would help.
   */
  scopeToCallTool(owner: Owner, caller: Caller | undefined): string | undefined {
    const rules = this.rules(caller);
    if (!rules || rules.toolsFor(caller!, owner.member).allows(owner.original)) return undefined;
    return rules.scopeThatAllows(caller!, owner.member, owner.original);
  }

  /**
   * Whether the member a URI belongs to (catalog.ownerOfUri) lets the caller read it. A URI no member listed
   * and no template fits has no rules to ask: false, so an update of it is not relayed to a caller under rules.
   */
  mayRead(uri: string, caller: Caller | undefined): boolean {
    const rules = this.rules(caller);
    if (!rules) return true;
    const owner = this.catalog.ownerOfUri(uri);
    return owner !== undefined && rules.resourcesFor(caller!, owner.name).allows(uri);
  }
}

/** The items whose owning member's rules allow them under the member's own name. */
function byOwner(items: Item[], table: NameTable, allows: (member: string, original: string) => boolean): Item[] {
  return items.filter((item) => {
    const owner = table.route(item.name);
    return owner !== undefined && allows(owner.member, owner.original);
  });
}
