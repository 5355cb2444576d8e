/**
 * The access rules on the Registry screen (docs/security.md, Access rules).
 * An admin reads the rules in force as the registry file writes them
 * (GET /access), one card per rule in the file's order: whom it applies to,
 * its servers, and what it allows and denies of their tools, prompts and
 * resources. Anyone else reads what the rules give them (GET /access/me).
 * Both are read every 10 s, so an edit of the file shows once the station has
 * reloaded it. The rules are an operator's words: shown as text.
 */
import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import { type AccessGrant, type AccessRule, type AccessView, ApiError, api, type CallerAccess, type ServerGrants } from "../api.ts";
import { usePoll } from "../poll.ts";

type AccessState = { state: "admin"; view: AccessView } | { state: "caller"; mine: CallerAccess };

/** The rules for an admin, or what they give the caller for anyone else; every 10 s. */
export function useAccess(): { value?: AccessState; error?: string } {
  // A 403 holds while the screen is shown (the credential stays): asked once, then /access/me only.
  const notAdmin = useRef(false);
  return usePoll(async (signal): Promise<AccessState> => {
    if (!notAdmin.current) {
      try {
        return { state: "admin", view: await api<AccessView>("GET", "access", undefined, signal) };
      } catch (e) {
        if (!(e instanceof ApiError && e.status === 403)) throw e;
        notAdmin.current = true;
      }
    }
    return { state: "caller", mine: await api<CallerAccess>("GET", "access/me", undefined, signal) };
  }, 10_000);
}

const Globs = ({ globs }: { globs: string[] }) => <span class="mono">{globs.join(", ")}</span>;

/** Parts joined by a word, as text: "a and b". */
function joined(parts: ComponentChildren[], word: string): ComponentChildren[] {
  return parts.flatMap((part, i) => (i === 0 ? [part] : [` ${word} `, part]));
}

/** Whom a rule applies to, in words: each matcher it has must match; none means everyone. */
function Whom({ rule }: { rule: AccessRule }) {
  const parts: ComponentChildren[] = [];
  if (rule.tenants)
    parts.push(
      <>
        tenant{" "}
        {joined(
          rule.tenants.map((t) => <span class="mono">{t}</span>),
          "or",
        )}
      </>,
    );
  if (rule.scopes)
    parts.push(
      <>
        a token with scope{" "}
        {joined(
          rule.scopes.map((s) => <span class="mono">{s}</span>),
          "or",
        )}
      </>,
    );
  for (const [name, wanted] of Object.entries(rule.claims ?? {})) {
    const values = typeof wanted === "string" ? [wanted] : wanted;
    parts.push(
      <>
        claim <span class="mono">{name}</span>:{" "}
        {joined(
          values.map((v) => <span class="mono">{v}</span>),
          "or",
        )}
      </>,
    );
  }
  if (rule.admin !== undefined) parts.push(rule.admin ? "admins" : "callers who are not admins");
  return <>{parts.length ? joined(parts, "and") : "everyone"}</>;
}

/** What one rule says of a kind: its allow globs (all when it has none), and its deny globs, which hold against every rule. */
function RuleGrant({ grant }: { grant?: AccessGrant }) {
  const allow = grant?.allow ?? ["*"];
  return (
    <>
      allow {allow.length === 0 ? "none" : allow.includes("*") ? "all" : <Globs globs={allow} />}
      {grant?.deny?.length ? (
        <>
          ; deny <Globs globs={grant.deny} />
        </>
      ) : null}
    </>
  );
}

/** What the applying rules give together: allowed when an allow glob matches and no deny glob does. */
function CallerGrant({ grant }: { grant: Required<AccessGrant> }) {
  if (grant.allow.length === 0) return <>none</>;
  return (
    <>
      {grant.allow.includes("*") ? "all" : <Globs globs={grant.allow} />}
      {grant.deny.length ? (
        <>
          {" "}
          except <Globs globs={grant.deny} />
        </>
      ) : null}
    </>
  );
}

const KINDS = [
  ["tools", "Tools"],
  ["prompts", "Prompts"],
  ["resources", "Resources"],
] as const;

function RulesForAdmin({ view }: { view: AccessView }) {
  const loaded = `version ${view.registry.version}, loaded ${view.registry.loaded_at.replace("T", " ").slice(0, 19)}`;
  if (!view.enabled)
    return (
      <p>
        None: the registry file ({loaded}) has no <code>access</code> section, so every caller may start every registered server and use all
        of its tools, prompts and resources.
      </p>
    );
  return (
    <>
      <p class="muted">
        From the registry file, {loaded}. A caller may start a server that a rule applying to it names, and use what one of those rules
        allows and none denies.
      </p>
      {view.rules.length === 0 ? <p>No rule: no caller may start a registered server.</p> : null}
      <ol class="cards rules" aria-labelledby="access-rules">
        {view.rules.map((rule, i) => (
          <li class="card">
            <h3>Rule {i + 1}</h3>
            <dl class="info">
              <dt>Applies to</dt>
              <dd>
                <Whom rule={rule} />
              </dd>
              <dt>Servers</dt>
              <dd>
                <Globs globs={rule.servers} />
              </dd>
              {KINDS.map(([kind, label]) => (
                <>
                  <dt>{label}</dt>
                  <dd>
                    <RuleGrant grant={rule[kind]} />
                  </dd>
                </>
              ))}
            </dl>
          </li>
        ))}
      </ol>
    </>
  );
}

function Grants({ server, label }: { server: ServerGrants; label?: string }) {
  return (
    <>
      {KINDS.map(([kind, name]) => (
        <>
          <dt>{label ? `${label}: ${name.toLowerCase()}` : name}</dt>
          <dd>
            <CallerGrant grant={server[kind]} />
          </dd>
        </>
      ))}
    </>
  );
}

function WhatYouMayUse({ mine }: { mine: CallerAccess }) {
  if (!mine.enabled) return <p>No access rules are in force: you may start every registered server and use all of it.</p>;
  return (
    <>
      <p class="muted">
        What the access rules give tenant <span class="mono">{mine.caller.tenant}</span>
        {mine.caller.scopes.length ? <> with scopes {<Globs globs={mine.caller.scopes} />}</> : null}: the servers you may start, and of
        each the tools, prompts and resources you may use.
      </p>
      {mine.servers.length === 0 && mine.groups.length === 0 ? <p>The access rules give you no registered server.</p> : null}
      <ul class="cards rules" aria-labelledby="your-access">
        {mine.servers.map((server) => (
          <li class="card">
            <h3>{server.name}</h3>
            <dl class="info">
              <Grants server={server} />
            </dl>
          </li>
        ))}
        {mine.groups.map((group) => (
          <li class="card">
            <h3>{group.name} (group)</h3>
            <p class="muted">The group's rules apply to the names and URIs it serves; each member's to its own.</p>
            <dl class="info">
              <Grants server={group} />
              {group.members.map((member) => (
                <Grants server={member} label={member.name} />
              ))}
            </dl>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The section: "Access rules" for an admin, "What you may use" for anyone else. */
export function AccessSection({ access }: { access: ReturnType<typeof useAccess> }) {
  const { value, error } = access;
  if (!value) return error ? <p class="error">{error}</p> : null;
  const admin = value.state === "admin";
  return (
    <>
      <h2 id={admin ? "access-rules" : "your-access"}>{admin ? "Access rules" : "What you may use"}</h2>
      {error ? <p class="error">{error}</p> : null}
      {value.state === "admin" ? <RulesForAdmin view={value.view} /> : <WhatYouMayUse mine={value.mine} />}
    </>
  );
}
