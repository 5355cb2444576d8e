/**
 * What a group offers, merged from its members' lists: tools and prompts
 * under the names of names.ts, resources by URI (resource-routes.ts),
 * templates first-member-wins, and the way back from a name or a URI to the
 * member it belongs to. The lists are each member's last ones (kept while
 * it is down, so its names stay reserved); a client's list request reads
 * the running members again.
 *
 * @example
 *   const catalog = new GroupCatalog(entry, () => members, log, sessionId);
 *   await catalog.listNamed("tools", {});        // the running members' tools, named
 *   catalog.tools.route("b__search");              // { member: "b", original: "search" }
 */
import type { Logger } from "../../log.ts";
import type { GroupEntry } from "../../registry/groups.ts";
import type { RequestOptions } from "../server-connection.ts";
import type { Session } from "../session.ts";
import type { GroupMember, Item, Template } from "./member.ts";
import { NameTable } from "./names.ts";
import { ResourceRoutes } from "./resource-routes.ts";

/** Pages of a member's list read at most, so a server whose cursor never ends cannot hold a request forever. */
const MAX_PAGES = 100;

export class GroupCatalog {
  readonly tools: NameTable;
  readonly prompts: NameTable;
  /** Keyed by uriTemplate, never prefixed: of two identical templates the first member's is shown. */
  readonly templates = new NameTable("never", "");
  private readonly resources = new ResourceRoutes();

  constructor(
    entry: Pick<GroupEntry, "prefix" | "separator">,
    private readonly members: () => GroupMember[],
    private readonly log: Logger,
    private readonly sessionId: string,
  ) {
    this.tools = new NameTable(entry.prefix, entry.separator);
    this.prompts = new NameTable(entry.prefix, entry.separator);
  }

  /** Reads a member's tools, prompts and templates again; what cannot be read keeps its last value. */
  async refresh(member: GroupMember): Promise<void> {
    const session = member.session;
    if (!session || !member.available) return;
    const capabilities = session.identity?.capabilities ?? {};
    const reads: Promise<void>[] = [];
    if (capabilities.tools) reads.push(readAllPages<Item>(session, "tools/list", "tools").then((tools) => void (member.tools = tools)));
    if (capabilities.prompts)
      reads.push(readAllPages<Item>(session, "prompts/list", "prompts").then((prompts) => void (member.prompts = prompts)));
    if (capabilities.resources)
      reads.push(
        readAllPages<Template>(session, "resources/templates/list", "resourceTemplates").then(
          (templates) => void (member.templates = templates),
        ),
      );
    const failed = (await Promise.allSettled(reads)).find((read) => read.status === "rejected");
    if (failed) {
      this.log.warn("could not read a group member's lists", {
        session_id: this.sessionId,
        member: member.name,
        reason: ((failed as PromiseRejectedResult).reason as Error).message,
      });
    }
  }

  /** Gives names again after a member's lists changed; a member that is down keeps its names reserved. */
  rename(): void {
    const hidden = [
      ...this.tools.assign(this.members().map((m) => ({ member: m.name, names: m.tools.map((tool) => tool.name) }))),
      ...this.prompts.assign(this.members().map((m) => ({ member: m.name, names: m.prompts.map((prompt) => prompt.name) }))),
      ...this.templates.assign(this.members().map((m) => ({ member: m.name, names: m.templates.map((t) => t.uriTemplate) }))),
    ];
    for (const { member, original } of hidden)
      this.log.warn("group hides an item whose name another member took", { session_id: this.sessionId, member, name: original });
  }

  /** tools/list or prompts/list: every running member's list read now, named, in the group's member order. */
  async listNamed(kind: "tools" | "prompts", options: RequestOptions): Promise<Item[]> {
    const capability = kind;
    await Promise.all(
      this.members()
        .filter((m) => m.session?.status === "running" && m.session.identity?.capabilities[capability])
        .map(async (member) => {
          try {
            member[kind] = await readAllPages<Item>(member.session!, `${kind}/list`, kind, withSignal(options));
          } catch (error) {
            // A member that cannot answer now keeps its last list (and its names); the rest still answer.
            this.log.warn("group member did not answer its list", {
              session_id: this.sessionId,
              member: member.name,
              method: `${kind}/list`,
              reason: (error as Error).message,
            });
          }
        }),
    );
    this.rename();
    const table = kind === "tools" ? this.tools : this.prompts;
    const items: Item[] = [];
    for (const member of this.members()) {
      if (member.session?.status !== "running") continue;
      for (const item of member[kind]) {
        const name = table.exposed(member.name, item.name);
        if (name !== undefined) items.push(name === item.name ? item : { ...item, name });
      }
    }
    return items;
  }

  /** resources/list: every running member's resources read now, each URI once (the first member's). */
  async listResources(options: RequestOptions): Promise<Record<string, unknown>[]> {
    const lists = await Promise.all(
      this.members().map(async (member) => {
        if (member.session?.status !== "running" || !member.session.identity?.capabilities.resources)
          return { member: member.name, items: [] };
        try {
          return {
            member: member.name,
            items: await readAllPages<Record<string, unknown>>(member.session, "resources/list", "resources", withSignal(options)),
          };
        } catch (error) {
          this.log.warn("group member did not answer its list", {
            session_id: this.sessionId,
            member: member.name,
            method: "resources/list",
            reason: (error as Error).message,
          });
          return { member: member.name, items: [] };
        }
      }),
    );
    return this.resources.merge(lists);
  }

  /** resources/templates/list: every running member's templates read now; of two identical ones, the first member's. */
  async listTemplates(options: RequestOptions): Promise<Template[]> {
    await Promise.all(
      this.members()
        .filter((m) => m.session?.status === "running")
        .map((m) => this.refreshTemplates(m, options)),
    );
    this.rename();
    const templates: Template[] = [];
    for (const member of this.members()) {
      if (member.session?.status !== "running") continue;
      for (const template of member.templates)
        if (this.templates.exposed(member.name, template.uriTemplate) !== undefined) templates.push(template);
    }
    return templates;
  }

  private async refreshTemplates(member: GroupMember, options: RequestOptions): Promise<void> {
    if (!member.session?.identity?.capabilities.resources) return;
    try {
      member.templates = await readAllPages<Template>(member.session, "resources/templates/list", "resourceTemplates", withSignal(options));
    } catch {
      // Keeps the last list; resources/list reports the member's trouble.
    }
  }

  /** The member a URI belongs to: the one that listed it last, else the first whose template it fits. */
  ownerOfUri(uri: string): GroupMember | undefined {
    const listed = this.resources.ownerOf(uri);
    if (listed) return this.members().find((m) => m.name === listed);
    for (const member of this.members()) {
      for (const template of member.templates) {
        if (this.templates.exposed(member.name, template.uriTemplate) !== undefined && matchesTemplate(template.uriTemplate, uri))
          return member;
      }
    }
    return undefined;
  }
}

/** Every page of one of a member's lists: a member's cursors never reach the group's clients. */
export async function readAllPages<T>(session: Session, method: string, key: string, options: RequestOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let cursor: unknown;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = (await session.request(method, typeof cursor === "string" ? { cursor } : {}, options)) as Record<string, unknown>;
    if (Array.isArray(result?.[key])) items.push(...(result[key] as T[]));
    cursor = result?.nextCursor;
    if (typeof cursor !== "string") break;
  }
  return items;
}

/** A list request's options for a member: the caller's deadline and signal, not its progress listener. */
function withSignal(options: RequestOptions): RequestOptions {
  return { timeoutMs: options.timeoutMs, signal: options.signal };
}

/** Whether `uri` fits an RFC 6570 template's shape: each {expression} matches any run of characters. */
export function matchesTemplate(template: string, uri: string): boolean {
  const pattern = template
    .split(/\{[^}]*\}/)
    .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(uri);
}
