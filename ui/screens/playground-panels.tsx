/**
 * The playground's right-hand panel for what was chosen: a tool (its form,
 * call, progress, duration and result), a prompt (its arguments and
 * messages), or a resource (its contents). Each speaks through the session's
 * live client.
 */
import { useEffect, useState } from "preact/hooks";
import { ResultView } from "../components/result-view.tsx";
import { Fields } from "../components/schema-form.tsx";
import { initialValue, type Schema, validate } from "../components/schema.ts";
import type { LiveClient, RpcMessage } from "../live.ts";

export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema?: Schema;
}
export interface Prompt {
  name: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}
export interface Resource {
  uri: string;
  name?: string;
  mimeType?: string;
}

interface Outcome {
  message: RpcMessage;
  ms: number;
}

export function ToolPanel({ client, tool }: { client: LiveClient; tool: Tool }) {
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

export function PromptPanel({ client, prompt }: { client: LiveClient; prompt: Prompt }) {
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

export function ResourcePanel({ client, resource }: { client: LiveClient; resource: Resource }) {
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
