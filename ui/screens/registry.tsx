/** The server registry (GET /servers): each entry, what callers may add to it, and the station's command policy. */
import { api, type ServerEntry } from "../api.ts";
import { usePoll } from "../poll.ts";

export function RegistryScreen() {
  const { value, error } = usePoll(
    (signal) => api<{ servers: ServerEntry[]; policy: string }>("GET", "servers", undefined, signal),
    30_000,
  );
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
      {value && value.servers.length === 0 ? <p class="muted">No registry file is configured (MCP_STATION_SERVERS_FILE).</p> : null}
      <div class="cards">
        {value?.servers.map((s) => (
          <article class="card" aria-labelledby={`server-${s.name}`}>
            <h2 id={`server-${s.name}`}>{s.name}</h2>
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
            </dl>
          </article>
        ))}
      </div>
    </section>
  );
}
