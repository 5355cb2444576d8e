/**
 * One session: its info (polled), its stderr and events live (the SSE stream
 * of GET /sessions/{id}/events, read with fetch), restart and delete.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describeError, type SessionInfo } from "../api.ts";
import { age, usePoll } from "../poll.ts";
import { followEvents } from "../sse.ts";
import { healthText, serverName } from "./sessions.tsx";

interface HistoryEntry {
  at: string;
  kind: string;
  status: string;
  detail: string | null;
}

function History({ sessionId }: { sessionId: string }) {
  const { value } = usePoll(
    (signal) =>
      api<{ entries: HistoryEntry[]; source: string }>(
        "GET",
        `sessions/${encodeURIComponent(sessionId)}/history?limit=20`,
        undefined,
        signal,
      ),
    5000,
    [sessionId],
  );
  if (!value || value.entries.length === 0) return null;
  return (
    <details class="history">
      <summary>History ({value.entries.length})</summary>
      <ol>
        {value.entries.map((entry) => (
          <li>
            <time>{entry.at.replace("T", " ").slice(0, 19)}</time> <strong>{entry.kind}</strong> {entry.status}
            {entry.detail ? ` — ${entry.detail}` : ""}
          </li>
        ))}
      </ol>
    </details>
  );
}

interface LogLine {
  key: string;
  kind: string;
  at: string;
  text: string;
}

const MAX_LINES = 500;

function describeEvent(kind: string, data: unknown): string {
  const event = data as { data?: { status?: string; method?: string; params?: unknown }; text?: string };
  if (kind === "stderr") return event.text ?? "";
  if (kind === "status") return `status: ${event.data?.status}`;
  if (kind === "notification" || kind === "client_request") return `${event.data?.method} ${JSON.stringify(event.data?.params ?? {})}`;
  return JSON.stringify(data);
}

function useLiveLog(sessionId: string) {
  const [lines, setLines] = useState<LogLine[]>([]);
  const [state, setState] = useState("connecting");
  useEffect(() => {
    const controller = new AbortController();
    let count = 0;
    void followEvents(
      `sessions/${encodeURIComponent(sessionId)}/events`,
      (kind, data) => {
        if (kind === "open") return setState("live");
        if (kind === "end") return setState("ended");
        const at = (data as { at?: string }).at ?? new Date().toISOString();
        const line = { key: String(count++), kind, at, text: describeEvent(kind, data) };
        setLines((old) => [...old.slice(-(MAX_LINES - 1)), line]);
      },
      controller.signal,
    ).then(() => setState((s) => (s === "live" ? "ended" : s)));
    return () => controller.abort();
  }, [sessionId]);
  return { lines, state };
}

export function SessionScreen({ sessionId }: { sessionId: string }) {
  const path = `sessions/${encodeURIComponent(sessionId)}`;
  const { value: info, error, refresh } = usePoll((signal) => api<SessionInfo>("GET", path, undefined, signal), 2000, [sessionId]);
  const { lines, state } = useLiveLog(sessionId);
  const [show, setShow] = useState<"all" | "stderr" | "events">("all");
  const [actionError, setActionError] = useState<string>();
  const [restarting, setRestarting] = useState(false);
  const log = useRef<HTMLOListElement>(null);
  const following = useRef(true);
  // The log keeps to its newest line while the reader is at its end; scrolled up, it stays put.
  useEffect(() => {
    if (log.current && following.current) log.current.scrollTop = log.current.scrollHeight;
  }, [lines.length]);

  const remove = async () => {
    if (!confirm("Stop this server and forget the session?")) return;
    try {
      await api("DELETE", path);
      location.hash = "#/sessions";
    } catch (e) {
      setActionError(describeError(e));
    }
  };

  // POST /sessions/{id}/restart answers once the new process runs: the button waits as long.
  const restart = async () => {
    if (!confirm("Restart this server? Requests it is answering now will fail.")) return;
    setRestarting(true);
    setActionError(undefined);
    try {
      await api("POST", `${path}/restart`);
    } catch (e) {
      setActionError(describeError(e));
    } finally {
      setRestarting(false);
      refresh();
    }
  };
  const canRestart = !restarting && (info?.status === "running" || info?.status === "unresponsive");

  const shown = lines.filter((l) => show === "all" || (show === "stderr" ? l.kind === "stderr" : l.kind !== "stderr"));
  return (
    <section>
      <p>
        <a href="#/sessions">← Sessions</a>
      </p>
      <div class="title-row">
        <h1>{info ? serverName(info) : "Session"}</h1>
        <div class="actions">
          <a class="button" href={`#/sessions/${encodeURIComponent(sessionId)}/playground`}>
            Playground
          </a>
          <button type="button" onClick={restart} disabled={!canRestart}>
            {restarting ? "Restarting…" : "Restart"}
          </button>
          <button type="button" class="danger" onClick={remove}>
            Delete
          </button>
        </div>
      </div>
      {error || actionError ? (
        <p class="error" role="alert">
          {actionError ?? error}
        </p>
      ) : null}
      {info ? (
        <dl class="info">
          <dt>Status</dt>
          <dd>
            <span class={`status status-${info.status}`}>{info.status}</span>
            {info.failure_reason ? ` — ${info.failure_reason}` : ""}
          </dd>
          <dt>Id</dt>
          <dd class="mono">{info.session_id}</dd>
          <dt>Command</dt>
          <dd class="mono">{[info.server_command, ...info.server_args].join(" ")}</dd>
          <dt>Server</dt>
          <dd>
            {info.server_info?.name ?? "–"} {info.server_info?.version ?? ""}
          </dd>
          <dt>Era / protocol</dt>
          <dd>
            {info.era ?? "–"} / {info.protocol_version ?? "–"}
          </dd>
          <dt>Health</dt>
          <dd>{healthText(info)}</dd>
          <dt>Restarts</dt>
          <dd>{info.restarts ?? 0}</dd>
          <dt>Requests</dt>
          <dd>
            {info.requests_total ?? 0} ({info.in_flight ?? 0} in flight)
          </dd>
          <dt>Process</dt>
          <dd>
            pid {info.pid ?? "–"}, up {age(info.started_at)}
            {info.exit_code !== null && info.exit_code !== undefined ? `, exit code ${info.exit_code}` : ""}
            {info.exit_signal ? `, ${info.exit_signal}` : ""}
          </dd>
          {info.owner ? (
            <>
              <dt>Owner</dt>
              <dd>{info.owner}</dd>
            </>
          ) : null}
        </dl>
      ) : null}
      <History sessionId={sessionId} />
      <div class="title-row">
        <h2 id="log-title">Live log</h2>
        <span class="muted" aria-live="polite">
          {state}
        </span>
      </div>
      <fieldset class="tabs">
        <legend class="visually-hidden">Which lines</legend>
        {(["all", "stderr", "events"] as const).map((which) => (
          <button type="button" aria-pressed={show === which} onClick={() => setShow(which)}>
            {which}
          </button>
        ))}
      </fieldset>
      <ol
        class="log"
        ref={log}
        aria-labelledby="log-title"
        aria-live="polite"
        onScroll={(e) => {
          const el = e.currentTarget;
          following.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.map((line) => (
          <li key={line.key} class={`log-${line.kind}`}>
            <time>{line.at.slice(11, 23)}</time> <span class="kind">{line.kind}</span> <span class="text">{line.text}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
