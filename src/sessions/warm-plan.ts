/**
 * What the warm pool keeps for its configured entries (MCP_STATION_WARM_POOL),
 * planned against the registry in force: at start, and again after each
 * reload (manager.ts). An entry naming a group warms `size` processes of each
 * of its members, so one create of the group takes one of each; a member is
 * warmed as a create of its server by name, the launch a group's create of it
 * plans. An entry the command policy refuses, or naming no registry entry, is
 * skipped with an error line, and one that names a secret with a warning: a
 * warm process starts as the station's own tenant, so it would never be
 * handed out.
 *
 * @example
 *   const targets = planWarmTargets([{ server: "pair", size: 2 }], planning);  // two of each member of the group "pair"
 */
import { BadRequest } from "../errors.ts";
import type { Logger } from "../log.ts";
import type { Era } from "../protocol/versions.ts";
import type { GroupEntry } from "../registry/groups.ts";
import { LAUNCH_FIELDS, type SessionRequest } from "./launch-request.ts";
import { namesAnySecret } from "./launch-secrets.ts";
import type { Session } from "./session.ts";
import { type WarmPoolEntry, type WarmTarget, warmKey } from "./warm-pool.ts";

/** What planning needs of the manager. */
export interface WarmPlanning {
  groups: Map<string, GroupEntry> | undefined;
  /** A session not yet started, as a create of `input` by the station itself would make it (throws when refused). */
  newSession(input: SessionRequest): Session;
  /** The era the session's command spoke last time, and learning it from a warm process that started. */
  eras: { known(session: Session): Era | undefined; learned(session: Session): void };
  log: Logger;
}

/** A group is named alone: what its members run comes from their registry entries, not from the request. */
export function checkGroupLaunch(group: GroupEntry, input: SessionRequest): void {
  const extra = LAUNCH_FIELDS.filter((field) => field !== "server" && input[field] !== undefined);
  if (extra.length > 0)
    throw new BadRequest(`server "${group.name}" is a group: ${extra.join(", ")} cannot be given`, { server: group.name });
}

export function planWarmTargets(entries: WarmPoolEntry[], planning: WarmPlanning): WarmTarget[] {
  const targets: WarmTarget[] = [];
  for (const { size, ...input } of entries) {
    const group = input.server === undefined ? undefined : planning.groups?.get(input.server);
    if (group) {
      try {
        checkGroupLaunch(group, input);
      } catch (error) {
        planning.log.error("warm pool: entry refused; skipped", { server: group.name, reason: (error as Error).message });
        continue;
      }
    }
    const inputs: SessionRequest[] = group ? group.members.map((member) => ({ server: member })) : [input];
    for (const one of inputs) {
      const target = warmTarget(one, size, group?.name, planning);
      if (target) targets.push(target);
    }
  }
  return targets;
}

/** What the pool starts for one launch, or undefined (logged) when it is refused or could never be handed out. */
function warmTarget(input: SessionRequest, size: number, group: string | undefined, planning: WarmPlanning): WarmTarget | undefined {
  const where = { server: input.server, command: input.server_command, ...(group ? { group } : {}) };
  let template: Session;
  try {
    template = planning.newSession(input);
  } catch (error) {
    planning.log.error("warm pool: entry refused; skipped", { ...where, reason: (error as Error).message });
    return undefined;
  }
  if (namesAnySecret(template.spec)) {
    planning.log.warn("warm pool: a server that names a secret starts for each tenant; not warmed", where);
    return undefined;
  }
  return {
    key: warmKey(template.spec, template.argv),
    size,
    label: input.server ?? template.argv.join(" "),
    fromRegistry: input.server !== undefined,
    create: () => planning.newSession(input),
    knownEra: () => planning.eras.known(template),
    started: (session) => planning.eras.learned(session),
  };
}
