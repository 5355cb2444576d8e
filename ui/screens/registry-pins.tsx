/**
 * Pinned tools on the Registry screen, for admins: each server's pinned tools
 * (GET /pins), and the definitions withheld because they changed since they
 * were pinned (GET /pins/changes), the pinned and the seen one side by side,
 * each approved by the fingerprint shown (POST /pins/approve). The pins API
 * is for admins: a tenant's 403 shows nothing at all, and pinning turned off
 * (404) says so. Definitions are the server's words: they are shown as text.
 */
import { useRef, useState } from "preact/hooks";
import { ApiError, api, describeError, type PinChange, type PinList, type PinnedDefinition } from "../api.ts";
import { usePoll } from "../poll.ts";

export type PinsView =
  | { state: "loading" }
  | { state: "not-admin" }
  | { state: "off" }
  | { state: "on"; mode: string; pinned: Map<string, PinList["servers"][number]["tools"]>; changes: PinChange[] };

/** Both pins lists, every 10 s (the last ones seen, and the latest error); `refresh` after an approval. */
export function usePins(): { view: PinsView; error?: string; refresh: () => void } {
  // A refusal or pinning off holds while the screen is shown (the credential and the setting stay): asked once, not every 10 s.
  const final = useRef<PinsView | undefined>(undefined);
  const { value, error, refresh } = usePoll(async (signal): Promise<PinsView> => {
    if (final.current) return final.current;
    try {
      const [list, changes] = await Promise.all([
        api<PinList>("GET", "pins", undefined, signal),
        api<{ changes: PinChange[] }>("GET", "pins/changes", undefined, signal),
      ]);
      return { state: "on", mode: list.mode, pinned: new Map(list.servers.map((s) => [s.server, s.tools])), changes: changes.changes };
    } catch (e) {
      // 403 comes before 404 for a tenant, so a tenant never learns whether pinning is on.
      if (e instanceof ApiError && e.status === 403) final.current = { state: "not-admin" };
      else if (e instanceof ApiError && e.status === 404) final.current = { state: "off" };
      else throw e;
      return final.current;
    }
  }, 10_000);
  return { view: value ?? { state: "loading" }, error, refresh };
}

const when = (at: string) => (at === "registry" ? "from the registry file" : `since ${at.replace("T", " ").slice(0, 19)}`);
const shortPrint = (fingerprint: string) => `${fingerprint.slice(0, 19)}…`;

/** A server card's lines: its pinned tools, and those of its tools withheld. */
export function ServerPins({ server, view }: { server: string; view: PinsView }) {
  if (view.state !== "on") return null;
  const tools = view.pinned.get(server) ?? [];
  const withheld = view.changes.filter((c) => c.server === server).map((c) => c.tool);
  return (
    <>
      <dt>Tools pinned</dt>
      <dd>
        {tools.length ? (
          <details class="pins">
            <summary>{tools.length === 1 ? "1 tool" : `${tools.length} tools`}</summary>
            <ul>
              {tools.map((t) => (
                <li>
                  <span class="mono">{t.tool}</span> <span class="mono muted">{shortPrint(t.fingerprint)}</span> {when(t.approved_at)}
                </li>
              ))}
            </ul>
          </details>
        ) : (
          <span class="muted">none yet: each tool is pinned when first seen</span>
        )}
      </dd>
      {withheld.length ? (
        <>
          <dt>Changes withheld</dt>
          <dd>
            <span class="mono">{withheld.join(", ")}</span>
            {view.mode === "server" ? " (server mode: every tool of this server is withheld)" : null}
          </dd>
        </>
      ) : null}
    </>
  );
}

/** A group card's lines: its members' pinned tools counted, and their withheld changes. */
export function GroupPins({ members, view }: { members: string[]; view: PinsView }) {
  if (view.state !== "on") return null;
  const withheld = view.changes.filter((c) => members.includes(c.server)).map((c) => `${c.server}: ${c.tool}`);
  return (
    <>
      <dt>Tools pinned</dt>
      <dd class="mono">{members.map((m) => `${m}: ${view.pinned.get(m)?.length ?? 0}`).join(", ")}</dd>
      {withheld.length ? (
        <>
          <dt>Changes withheld</dt>
          <dd class="mono">{withheld.join(", ")}</dd>
        </>
      ) : null}
    </>
  );
}

function fieldText(definition: PinnedDefinition | null | undefined, field: string): string | null {
  if (!definition) return null;
  const value = definition[field as keyof PinnedDefinition];
  if (value === null || value === undefined) return null;
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

function FieldValue({ text, absent }: { text: string | null; absent: string }) {
  return text === null ? <span class="muted">{absent}</span> : <pre>{text}</pre>;
}

function Change({ change, onApproved, refresh }: { change: PinChange; onApproved: (change: PinChange) => void; refresh: () => void }) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string>();
  const id = `change-${change.server}-${change.tool}`.replace(/[^A-Za-z0-9_-]/g, "_");
  const approve = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await api("POST", "pins/approve", { server: change.server, tool: change.tool, fingerprint: change.seen.fingerprint });
      onApproved(change);
    } catch (e) {
      // A definition that changed again is refused (400): the refreshed list shows the new one.
      setProblem(describeError(e));
      refresh();
    } finally {
      setBusy(false);
    }
  };
  const unknown = change.approved ? "only its fingerprint is known (registry file)" : "nothing pinned";
  return (
    <article class="card change" aria-labelledby={id}>
      <h3 id={id}>
        <span class="mono">{change.server}</span> / <span class="mono">{change.tool}</span>
      </h3>
      <p>
        Changed: <strong>{change.differs.join(", ")}</strong>. Seen {change.seen.seen_at.replace("T", " ").slice(0, 19)}; pinned{" "}
        {change.approved ? when(change.approved.approved_at) : "never"}.
      </p>
      <div class="table-wrap">
        <table class="diff">
          <caption class="visually-hidden">
            What changed in {change.tool} of {change.server}
          </caption>
          <thead>
            <tr>
              <th scope="col">Pinned</th>
              <th scope="col">Seen now</th>
            </tr>
          </thead>
          {/* One body per field, its name above both values: two columns fit a phone. */}
          {change.differs.map((field) => (
            <tbody data-field={field}>
              <tr>
                <th scope="rowgroup" colSpan={2} class="mono field">
                  {field}
                </th>
              </tr>
              <tr>
                <td class="pinned">
                  <FieldValue text={fieldText(change.approved?.definition, field)} absent={unknown} />
                </td>
                <td class="seen">
                  <FieldValue text={fieldText(change.seen.definition, field)} absent="none" />
                </td>
              </tr>
            </tbody>
          ))}
        </table>
      </div>
      <p class="muted">
        Approving pins <span class="mono">{change.seen.fingerprint}</span>.
      </p>
      <button type="button" onClick={approve} disabled={busy}>
        {busy ? "Approving…" : "Approve"}
      </button>
      {problem ? (
        <p class="error" role="alert">
          {problem}
        </p>
      ) : null}
    </article>
  );
}

/** The withheld changes, for admins; "Tool pinning is off" when it is. */
export function WithheldChanges({ view, error, refresh }: { view: PinsView; error?: string; refresh: () => void }) {
  const [approved, setApproved] = useState<string>();
  if (view.state === "loading" && error) return <p class="error">{error}</p>;
  if (view.state === "loading" || view.state === "not-admin") return null;
  if (view.state === "off")
    return <p class="muted">Tool pinning is off (MCP_STATION_TOOL_PINNING=off): tool definitions are not checked.</p>;
  return (
    <>
      <h2>Withheld changes</h2>
      {error ? <p class="error">{error}</p> : null}
      <p class="muted">
        Tool pinning: <strong>{view.mode}</strong> mode.{" "}
        {view.mode === "server"
          ? "A changed tool definition withholds every tool of its server until an admin approves it."
          : "A changed tool definition is withheld (not listed, refused when called) until an admin approves it."}
      </p>
      <p role="status" class="muted">
        {approved}
      </p>
      {view.changes.length === 0 ? <p>No tool definition is waiting for approval.</p> : null}
      {view.changes.length ? (
        <div class="changes">
          {view.changes.map((change) => (
            <Change
              key={`${change.server}/${change.tool}`}
              change={change}
              refresh={refresh}
              onApproved={(c) => {
                setApproved(`Approved ${c.server} / ${c.tool}.`);
                refresh();
              }}
            />
          ))}
        </div>
      ) : null}
    </>
  );
}
