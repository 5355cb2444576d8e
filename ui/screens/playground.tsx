/**
 * The playground of one session, over its WebSocket: the server's tools,
 * prompts and resources; a form generated from a tool's input schema; the
 * call's progress, duration and result; the server's elicitation and
 * sampling requests answered in the page; every JSON-RPC frame one click away.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { type Frame, type LiveClient, openLive } from "../live.ts";
import { PromptPanel, type Prompt, type Resource, ResourcePanel, type Tool, ToolPanel } from "./playground-panels.tsx";
import { type AskedRequest, ServerRequestDialog } from "./server-request.tsx";

type Kind = "tools" | "prompts" | "resources";

function useLive(sessionId: string) {
  const [client, setClient] = useState<LiveClient>();
  const [state, setState] = useState("connecting");
  const [frames, setFrames] = useState<Frame[]>([]);
  const [asked, setAsked] = useState<AskedRequest[]>([]);
  /** Bumped for each `notifications/<kind>/list_changed`, so that list is asked for again. */
  const [changed, setChanged] = useState<Record<string, number>>({});
  useEffect(() => {
    let closed = false;
    let opened: LiveClient | undefined;
    openLive(sessionId, {
      onFrame: (frame) => setFrames((old) => [...old.slice(-199), frame]),
      onClose: (reason) => setState(`closed: ${reason}`),
      onNotification: (message) => {
        const kind = /^notifications\/(tools|prompts|resources)\/list_changed$/.exec(message.method ?? "")?.[1];
        if (kind) setChanged((old) => ({ ...old, [kind]: (old[kind] ?? 0) + 1 }));
      },
      onServerRequest: (message) => {
        if (message.method === "ping") return Promise.resolve({ result: {} });
        if (message.method === "roots/list") return Promise.resolve({ result: { roots: [] } });
        return new Promise((resolve) => {
          const entry: AskedRequest = {
            message,
            answer: (answer) => {
              setAsked((old) => old.filter((a) => a !== entry));
              resolve(answer);
            },
          };
          setAsked((old) => [...old, entry]);
        });
      },
    })
      .then((live) => {
        opened = live;
        if (closed) return live.close();
        setClient(live);
        setState("connected");
      })
      .catch((e) => setState(`not connected: ${describeError(e)}`));
    return () => {
      closed = true;
      opened?.close();
    };
  }, [sessionId]);
  return { client, state, frames, asked, changed };
}

function RawFrames({ frames }: { frames: Frame[] }) {
  return (
    <details class="raw">
      <summary>Raw JSON-RPC ({frames.length} frames)</summary>
      <ol>
        {frames.map((f) => (
          <li class={`frame-${f.direction}`}>
            <span class="kind">{f.direction === "sent" ? "→ sent" : "← received"}</span> <time>{f.at.toISOString().slice(11, 23)}</time>
            <pre>{JSON.stringify(f.message, null, 2)}</pre>
          </li>
        ))}
      </ol>
    </details>
  );
}

export function PlaygroundScreen({ sessionId }: { sessionId: string }) {
  const { client, state, frames, asked, changed } = useLive(sessionId);
  const [kind, setKind] = useState<Kind>("tools");
  const [lists, setLists] = useState<Partial<Record<Kind, { items: unknown[]; error?: string }>>>({});
  const [selected, setSelected] = useState<string>();
  const panel = useRef<HTMLDivElement>(null);

  const load = (which: Kind) =>
    client?.request(`${which}/list`).then((answer) => {
      const items = ((answer.result as Record<string, unknown[]> | undefined)?.[which] ?? []) as unknown[];
      setLists((old) => ({ ...old, [which]: { items, error: answer.error?.message } }));
    });
  // Each list is asked for again when the server says it changed.
  useEffect(() => void load("tools"), [client, changed.tools]);
  useEffect(() => void load("prompts"), [client, changed.prompts]);
  useEffect(() => void load("resources"), [client, changed.resources]);

  const list = lists[kind];
  const keyOf = (item: unknown) => (kind === "resources" ? (item as Resource).uri : (item as Tool).name);
  const current = list?.items.find((item) => keyOf(item) === selected);

  return (
    <section class="playground">
      <p>
        <a href={`#/sessions/${encodeURIComponent(sessionId)}`}>← Session</a>
      </p>
      <div class="title-row">
        <h1>Playground</h1>
        <span class="muted" aria-live="polite">
          WebSocket {state}
        </span>
      </div>
      <fieldset class="tabs">
        <legend class="visually-hidden">What to list</legend>
        {(["tools", "prompts", "resources"] as const).map((which) => (
          <button
            type="button"
            aria-pressed={kind === which}
            onClick={() => {
              setKind(which);
              setSelected(undefined);
            }}
          >
            {which} {lists[which] ? `(${lists[which]?.items.length})` : ""}
          </button>
        ))}
      </fieldset>
      <div class="split">
        <nav class="item-list" aria-label={kind}>
          {list?.error ? <p class="muted">{list.error}</p> : null}
          <ul>
            {list?.items.map((item) => {
              const key = keyOf(item);
              const description = (item as Tool).description;
              return (
                <li>
                  <button
                    type="button"
                    class="item"
                    aria-current={key === selected ? "true" : undefined}
                    onClick={() => {
                      setSelected(key);
                      // At phone width the panel sits below the list: bring it into view; beside the list it already is.
                      const top = panel.current?.getBoundingClientRect().top ?? 0;
                      if (top > window.innerHeight * 0.6) panel.current?.scrollIntoView({ block: "start" });
                    }}
                  >
                    <span class="mono">{(item as Resource).name ?? key}</span>
                    {description ? <small>{description}</small> : null}
                  </button>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="panel" ref={panel}>
          {client && current && kind === "tools" ? <ToolPanel key={selected} client={client} tool={current as Tool} /> : null}
          {client && current && kind === "prompts" ? <PromptPanel key={selected} client={client} prompt={current as Prompt} /> : null}
          {client && current && kind === "resources" ? (
            <ResourcePanel key={selected} client={client} resource={current as Resource} />
          ) : null}
          {!current ? <p class="muted">Choose one of the {kind} on the left.</p> : null}
        </div>
      </div>
      <RawFrames frames={frames} />
      {asked[0] ? <ServerRequestDialog key={String(asked[0].message.id)} asked={asked[0]} /> : null}
    </section>
  );
}
