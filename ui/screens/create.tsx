/**
 * Create a session: from a registry entry (with the arguments and environment
 * its entry lets callers add), or from a command where the station's command
 * policy allows one. The station decides; the form only asks.
 */
import { useState } from "preact/hooks";
import { api, describeError, type ServerEntry, type ServerList, type SessionInfo } from "../api.ts";
import { usePoll } from "../poll.ts";

/** A group starts like a server (POST /sessions {"server": group}), with nothing a caller may add. */
const asEntry = (group: { name: string; members: string[] }): ServerEntry => ({
  name: group.name,
  command: `group of ${group.members.join(", ")}`,
  args: [],
  env_keys: [],
  cwd: null,
  allow_env: [],
  allow_args: false,
});

const lines = (text: string) => text.split("\n").filter((line) => line.trim() !== "");

export function CreateScreen() {
  const { value: list, error: listError } = usePoll((signal) => api<ServerList>("GET", "servers", undefined, signal), 60_000);
  const [mode, setMode] = useState<"registry" | "command">("registry");
  const [server, setServer] = useState("");
  const [command, setCommand] = useState("");
  const [serverType, setServerType] = useState("");
  const [args, setArgs] = useState("");
  const [env, setEnv] = useState<Record<string, string>>({});
  const [restart, setRestart] = useState("never");
  const [live, setLive] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const entries = [...(list?.servers ?? []), ...(list?.groups ?? []).map(asEntry)];
  const entry = entries.find((e) => e.name === (server || entries[0]?.name));
  const commandsAllowed = list !== undefined && list.policy !== "registry";
  const useRegistry = mode === "registry" && entries.length > 0;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = { restart_policy: restart };
    if (useRegistry && entry) {
      body.server = entry.name;
      const vars = Object.fromEntries(Object.entries(env).filter(([k, v]) => v !== "" && entry.allow_env.includes(k)));
      if (Object.keys(vars).length > 0) body.env_vars = vars;
      if (entry.allow_args && lines(args).length > 0) body.server_args = lines(args);
    } else {
      body.server_command = command;
      if (serverType) body.server_type = serverType;
      if (lines(args).length > 0) body.server_args = lines(args);
    }
    if (live) body.client_capabilities = { sampling: {}, elicitation: {} };
    try {
      const info = await api<SessionInfo>("POST", "sessions", body);
      location.hash = `#/sessions/${encodeURIComponent(info.session_id)}`;
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>New session</h1>
      {listError ? <p class="error">{listError}</p> : null}
      {list ? (
        <p class="muted">
          Command policy: <strong>{list.policy}</strong>
          {commandsAllowed ? "" : " (only registered servers may start)"}
        </p>
      ) : null}
      <form class="create" onSubmit={submit}>
        {commandsAllowed && entries.length > 0 ? (
          <fieldset class="inline">
            <legend>Start</legend>
            <label class="check">
              <input type="radio" name="mode" checked={mode === "registry"} onChange={() => setMode("registry")} /> a registered server
            </label>
            <label class="check">
              <input type="radio" name="mode" checked={mode === "command"} onChange={() => setMode("command")} /> a command
            </label>
          </fieldset>
        ) : null}
        {useRegistry && entry ? (
          <>
            <div class="field">
              <label for="server">Registered server</label>
              <select id="server" value={entry.name} onChange={(e) => setServer(e.currentTarget.value)}>
                {entries.map((e) => (
                  <option value={e.name}>{e.name}</option>
                ))}
              </select>
              <small class="mono">{[entry.command, ...entry.args].join(" ")}</small>
            </div>
            {entry.allow_env.map((name) => (
              <div class="field">
                <label for={`env-${name}`}>{name}</label>
                <input id={`env-${name}`} value={env[name] ?? ""} onInput={(e) => setEnv({ ...env, [name]: e.currentTarget.value })} />
              </div>
            ))}
          </>
        ) : null}
        {!useRegistry && commandsAllowed ? (
          <>
            <div class="field">
              <label for="command">Command</label>
              <input id="command" required class="mono" value={command} onInput={(e) => setCommand(e.currentTarget.value)} />
              <small>a script path or an executable; never run through a shell</small>
            </div>
            <div class="field">
              <label for="server-type">Type</label>
              <select id="server-type" value={serverType} onChange={(e) => setServerType(e.currentTarget.value)}>
                <option value="">from the extension</option>
                <option value="node">node</option>
                <option value="python">python</option>
                <option value="command">command</option>
              </select>
            </div>
          </>
        ) : null}
        {!useRegistry && !commandsAllowed && list ? <p>No server is registered, and the policy allows no command.</p> : null}
        {!useRegistry || entry?.allow_args ? (
          <div class="field">
            <label for="args">{useRegistry ? "Extra arguments" : "Arguments"}</label>
            <textarea id="args" rows={2} class="mono" value={args} onInput={(e) => setArgs(e.currentTarget.value)} />
            <small>one per line</small>
          </div>
        ) : null}
        <div class="field">
          <label for="restart">Restart policy</label>
          <select id="restart" value={restart} onChange={(e) => setRestart(e.currentTarget.value)}>
            <option value="never">never</option>
            <option value="on-failure">on failure</option>
            <option value="always">always</option>
          </select>
        </div>
        <div class="field check">
          <input id="live" type="checkbox" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          <label for="live">Answer the server's sampling and elicitation requests in the console</label>
        </div>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <button type="submit" disabled={busy || !list}>
          {busy ? "Starting…" : "Start"}
        </button>
      </form>
    </section>
  );
}
