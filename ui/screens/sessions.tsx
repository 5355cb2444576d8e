/** The sessions: a live table (polled every 2 s) with filters; a row opens the session. */
import { useState } from "preact/hooks";
import { api, type SessionInfo } from "../api.ts";
import { age, usePoll } from "../poll.ts";

export const serverName = (s: SessionInfo) => s.server ?? s.server_info?.name ?? s.server_command.split("/").pop() ?? s.server_command;

export const healthText = (s: SessionInfo) => (!s.health ? "–" : s.health.ok ? "ok" : "failing");

const STATUSES = ["starting", "running", "unresponsive", "restarting", "stopping", "exited", "failed"];

export function SessionsScreen() {
  const { value, error } = usePoll((signal) => api<{ sessions: SessionInfo[] }>("GET", "sessions", undefined, signal), 2000);
  const [text, setText] = useState("");
  const [status, setStatus] = useState("");
  const sessions = (value?.sessions ?? []).filter(
    (s) =>
      (!status || s.status === status) &&
      (!text || `${serverName(s)} ${s.session_id} ${s.owner ?? ""} ${s.server_command}`.toLowerCase().includes(text.toLowerCase())),
  );
  const showOwner = value?.sessions.some((s) => s.owner && s.owner !== value.sessions[0]?.owner);
  return (
    <section>
      <div class="title-row">
        <h1>Sessions</h1>
        <a class="button" href="#/create">
          New session
        </a>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="filter-text">Filter</label>
          <input
            id="filter-text"
            type="search"
            placeholder="server, id, owner"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="filter-status">Status</label>
          <select id="filter-status" value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </div>
      </form>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {value && sessions.length === 0 ? <p class="muted">No sessions{value.sessions.length > 0 ? " match the filter" : " yet"}.</p> : null}
      {sessions.length > 0 ? (
        <div class="table-wrap">
          <table class="sessions">
            <caption class="visually-hidden">Sessions, refreshed every 2 seconds</caption>
            <thead>
              <tr>
                <th scope="col">Server</th>
                <th scope="col">Status</th>
                <th scope="col" class="wide">
                  Era
                </th>
                <th scope="col">Health</th>
                <th scope="col" class="wide">
                  Restarts
                </th>
                <th scope="col" class="wide">
                  In flight
                </th>
                <th scope="col">Age</th>
                {showOwner ? <th scope="col">Owner</th> : null}
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.session_id} data-session={s.session_id}>
                  <td>
                    <a href={`#/sessions/${encodeURIComponent(s.session_id)}`}>{serverName(s)}</a>
                    <br />
                    <small class="mono">{s.session_id.slice(0, 8)}</small>
                  </td>
                  <td>
                    <span class={`status status-${s.status}`}>{s.status}</span>
                  </td>
                  <td class="wide">{s.era ?? "–"}</td>
                  <td>{healthText(s)}</td>
                  <td class="wide">{s.restarts ?? 0}</td>
                  <td class="wide">{s.in_flight ?? 0}</td>
                  <td>{age(s.created_at)}</td>
                  {showOwner ? <td>{s.owner}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
