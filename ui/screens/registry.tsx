/**
 * The server registry (GET /servers): the command policy, the registry file
 * in force, each server (what callers may add to it) and each group (its
 * members), with the tool curation of each: which tools are shown, hidden,
 * renamed or described anew. For admins, which tools are pinned and which
 * changed definitions are withheld (registry-pins.tsx). Below them the access
 * rules for an admin, and what they give the caller for anyone else
 * (registry-access.tsx).
 */
import { api, type ServerList, type ToolCuration } from "../api.ts";
import { usePoll } from "../poll.ts";
import { AccessSection, useAccess } from "./registry-access.tsx";
import { GroupPins, ServerPins, usePins, WithheldChanges } from "./registry-pins.tsx";

function Curation({ tools }: { tools?: ToolCuration }) {
  if (!tools) return null;
  const renamed = Object.entries(tools.rename ?? {});
  const described = Object.keys(tools.describe ?? {});
  return (
    <>
      {tools.allow ? (
        <>
          <dt>Tools shown</dt>
          <dd class="mono">only {tools.allow.join(", ")}</dd>
        </>
      ) : null}
      {tools.deny?.length ? (
        <>
          <dt>Tools hidden</dt>
          <dd class="mono">{tools.deny.join(", ")}</dd>
        </>
      ) : null}
      {renamed.length ? (
        <>
          <dt>Tools renamed</dt>
          <dd class="mono">{renamed.map(([from, to]) => `${from} → ${to}`).join(", ")}</dd>
        </>
      ) : null}
      {described.length ? (
        <>
          <dt>Descriptions replaced</dt>
          <dd class="mono">{described.join(", ")}</dd>
        </>
      ) : null}
    </>
  );
}

export function RegistryScreen() {
  const { value, error } = usePoll((signal) => api<ServerList>("GET", "servers", undefined, signal), 30_000);
  const registry = value?.registry;
  const pins = usePins();
  const access = useAccess();
  return (
    <section>
      <h1>Registry</h1>
      {error ? <p class="error">{error}</p> : null}
      {value ? (
        <p>
          Command policy: <strong>{value.policy}</strong> —{" "}
          {value.policy === "registry" ? "only these servers may start." : "these servers, and commands the policy allows."}
        </p>
      ) : null}
      {registry ? (
        <p class="muted">
          {registry.file ? <span class="mono">{registry.file}</span> : "No registry file"}, version {registry.version}, loaded{" "}
          {registry.loaded_at.replace("T", " ").slice(0, 19)}; reloads: {registry.reloads.ok} applied, {registry.reloads.failed} refused.
        </p>
      ) : null}
      {registry?.last_error ? (
        <p class="error" role="alert">
          The last reload was refused ({registry.last_error.at.replace("T", " ").slice(0, 19)}):{" "}
          <span class="server-text">{registry.last_error.message}</span>
        </p>
      ) : null}
      <WithheldChanges view={pins.view} error={pins.error} refresh={pins.refresh} />
      {value && value.servers.length === 0 && !value.groups?.length ? (
        <p class="muted">No registered server (MCP_STATION_SERVERS_FILE).</p>
      ) : null}
      {value?.servers.length ? <h2>Servers</h2> : null}
      <div class="cards">
        {value?.servers.map((s) => (
          <article class="card" aria-labelledby={`server-${s.name}`}>
            <h3 id={`server-${s.name}`}>{s.name}</h3>
            <dl class="info">
              <dt>Command</dt>
              <dd class="mono">{[s.command, ...s.args].join(" ")}</dd>
              <dt>Working directory</dt>
              <dd class="mono">{s.cwd ?? "–"}</dd>
              <dt>Environment set</dt>
              <dd class="mono">{s.env_keys.join(", ") || "–"}</dd>
              <dt>Callers may add env</dt>
              <dd class="mono">{s.allow_env.join(", ") || "none"}</dd>
              <dt>Callers may add args</dt>
              <dd>{s.allow_args ? "yes" : "no"}</dd>
              <Curation tools={s.tools} />
              <ServerPins server={s.name} view={pins.view} />
            </dl>
          </article>
        ))}
      </div>
      {value?.groups?.length ? <h2>Groups</h2> : null}
      <div class="cards">
        {value?.groups?.map((g) => (
          <article class="card" aria-labelledby={`group-${g.name}`}>
            <h3 id={`group-${g.name}`}>{g.name}</h3>
            {g.description ? <p class="server-text">{g.description}</p> : null}
            <dl class="info">
              <dt>Members</dt>
              <dd class="mono">{g.members.join(", ")}</dd>
              <dt>Tool names</dt>
              <dd>
                prefixed {g.prefix === "collision" ? "on a collision" : g.prefix}, with <code>{g.separator}</code>
              </dd>
              <Curation tools={g.tools} />
              <GroupPins members={g.members} view={pins.view} />
            </dl>
          </article>
        ))}
      </div>
      <AccessSection access={access} />
    </section>
  );
}
