/**
 * The playground of one session, over its WebSocket: the server's tools,
 * prompts and resources; a form generated from a tool's input schema; the
 * call's progress, duration and result; the server's elicitation and
 * sampling requests answered in the page; every JSON-RPC frame one click away.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "../api.ts";
import { ResultView } from "../components/result-view.tsx";
import { Fields, initialValue, type Schema, validate } from "../components/schema-form.tsx";
import { type Frame, type LiveClient, openLive, type RpcMessage } from "../live.ts";
import { type AskedRequest, ServerRequestDialog } from "./server-request.tsx";

interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Schema;
}
interface Prompt {
  name: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}
interface Resource {
  uri: string;
  name?: string;
  mimeType?: string;
}

type Kind = "tools" | "prompts" | "resources";

interface Outcome {
  message: RpcMessage;
  ms: number;
}

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

function ToolPanel({ client, tool }: { client: LiveClient; tool: Tool }) {
  const schema = tool.inputSchema ?? { type: "object", properties: {} };
  const [value, setValue] = useState(() => initialValue(schema));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [running, setRunning] = useState<number>();
  const [progress, setProgress] = useState<{ progress: number; total?: number; message?: string }>();
  const [outcome, setOutcome] = useState<Outcome>();

  const call = async (event: Event) => {
    event.preventDefault();
    if (running !== undefined) return;
    const problems = validate(schema, value);
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    setOutcome(undefined);
    setProgress(undefined);
    const started = performance.now();
    const answer = client.request("tools/call", { name: tool.name, arguments: value }, (p) =>
      setProgress({
        progress: Number(p.progress),
        total: p.total === undefined ? undefined : Number(p.total),
        message: p.message as string | undefined,
      }),
    );
    setRunning(client.lastId);
    const message = await answer;
    setRunning(undefined);
    setOutcome({ message, ms: performance.now() - started });
  };

  return (
    <article class="tool" aria-labelledby="tool-title">
      <h2 id="tool-title">{tool.title ?? tool.name}</h2>
      {tool.description ? <p class="server-text">{tool.description}</p> : null}
      <form onSubmit={call} noValidate>
        <Fields schema={schema} path="" value={value} errors={errors} onChange={setValue} />
        <div class="actions">
          {/* aria-disabled, not disabled: the button keeps focus while the call runs, and gets it back after a server's dialog */}
          <button type="submit" aria-disabled={running !== undefined}>
            Call {tool.name}
          </button>
          {running !== undefined ? (
            <button type="button" onClick={() => client.cancel(running)}>
              Cancel
            </button>
          ) : null}
        </div>
      </form>
      {running !== undefined || progress ? (
        <div class="progress" aria-live="polite">
          <progress value={progress?.progress} max={progress?.total ?? undefined} aria-label="Progress" />
          <span>
            {progress ? `${progress.progress}${progress.total ? ` / ${progress.total}` : ""}` : "waiting"}
            {progress?.message ? ` — ${progress.message}` : ""}
          </span>
        </div>
      ) : null}
      {outcome ? (
        <section class="outcome" aria-live="polite" aria-label="Result">
          <p class="muted">
            {outcome.message.error ? "Error" : "Result"} in <span class="duration">{Math.round(outcome.ms)} ms</span>
          </p>
          {outcome.message.error ? (
            <pre class="error result-json">{JSON.stringify(outcome.message.error, null, 2)}</pre>
          ) : (
            <ResultView result={outcome.message.result} />
          )}
        </section>
      ) : null}
    </article>
  );
}

function PromptPanel({ client, prompt }: { client: LiveClient; prompt: Prompt }) {
  const schema: Schema = {
    type: "object",
    properties: Object.fromEntries((prompt.arguments ?? []).map((a) => [a.name, { type: "string", description: a.description }])),
    required: (prompt.arguments ?? []).filter((a) => a.required).map((a) => a.name),
  };
  const [value, setValue] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<RpcMessage>();
  const get = async (event: Event) => {
    event.preventDefault();
    const problems = validate(schema, value);
    setErrors(problems);
    if (Object.keys(problems).length === 0) setOutcome(await client.request("prompts/get", { name: prompt.name, arguments: value }));
  };
  const messages = (outcome?.result as { messages?: { role: string; content: unknown }[] } | undefined)?.messages;
  return (
    <article aria-labelledby="prompt-title">
      <h2 id="prompt-title">{prompt.name}</h2>
      {prompt.description ? <p class="server-text">{prompt.description}</p> : null}
      <form onSubmit={get} noValidate>
        <Fields schema={schema} path="" value={value} errors={errors} onChange={setValue} />
        <button type="submit">Get prompt</button>
      </form>
      {outcome?.error ? <pre class="error result-json">{JSON.stringify(outcome.error, null, 2)}</pre> : null}
      {messages?.map((m) => (
        <div class="message">
          <h3>{m.role}</h3>
          <ResultView result={{ content: [m.content] }} />
        </div>
      ))}
    </article>
  );
}

function ResourcePanel({ client, resource }: { client: LiveClient; resource: Resource }) {
  const [outcome, setOutcome] = useState<RpcMessage>();
  useEffect(() => {
    setOutcome(undefined);
    void client.request("resources/read", { uri: resource.uri }).then(setOutcome);
  }, [client, resource.uri]);
  return (
    <article aria-labelledby="resource-title">
      <h2 id="resource-title">{resource.name ?? resource.uri}</h2>
      <p class="mono">{resource.uri}</p>
      {!outcome ? <p>Reading…</p> : null}
      {outcome?.error ? <pre class="error result-json">{JSON.stringify(outcome.error, null, 2)}</pre> : null}
      {outcome?.result ? <ResultView result={outcome.result} /> : null}
    </article>
  );
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
