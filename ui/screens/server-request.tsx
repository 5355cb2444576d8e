/**
 * A request from the server to its client, answered by the person: an
 * elicitation (a form from its requestedSchema: accept, decline or cancel)
 * or a sampling request (the messages shown as text, the reply typed in).
 * Shown in a modal <dialog>, so focus moves to it and Escape cancels.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { Fields } from "../components/schema-form.tsx";
import { initialValue, type Schema, validate } from "../components/schema.ts";
import type { RpcError, RpcMessage } from "../live.ts";

export interface AskedRequest {
  message: RpcMessage;
  answer: (answer: { result: unknown } | { error: RpcError }) => void;
}

interface SamplingMessage {
  role: string;
  content: { type: string; text?: string } | { type: string; text?: string }[];
}

const textOf = (m: SamplingMessage) =>
  (Array.isArray(m.content) ? m.content : [m.content]).map((c) => (c.type === "text" ? c.text : `[${c.type}]`)).join("\n");

export function ServerRequestDialog({ asked }: { asked: AskedRequest }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const params = (asked.message.params ?? {}) as {
    message?: string;
    mode?: string;
    url?: string;
    requestedSchema?: Schema;
    messages?: SamplingMessage[];
    systemPrompt?: string;
  };
  // URL mode: the person is sent to a page of the server's; nothing is typed here.
  const url = params.mode === "url" ? params.url : undefined;
  const schema = params.requestedSchema ?? { type: "object", properties: {} };
  const [value, setValue] = useState(() => initialValue(schema));
  const [reply, setReply] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    const element = dialog.current;
    const before = document.activeElement;
    element?.showModal();
    // The dialog leaves the page when answered: focus goes back to where it was, not to the page's top.
    return () => {
      element?.close();
      if (before instanceof HTMLElement) before.focus();
    };
  }, []);

  const isElicitation = asked.message.method === "elicitation/create";
  const cancel = () =>
    isElicitation
      ? asked.answer({ result: { action: "cancel" } })
      : asked.answer({ error: { code: -1, message: "the person declined the sampling request" } });

  const submit = (event: Event) => {
    event.preventDefault();
    if (isElicitation && url !== undefined) {
      asked.answer({ result: { action: "accept" } });
      return;
    }
    if (isElicitation) {
      const problems = validate(schema, value);
      setErrors(problems);
      if (Object.keys(problems).length === 0) asked.answer({ result: { action: "accept", content: value } });
      return;
    }
    asked.answer({
      result: { role: "assistant", content: { type: "text", text: reply }, model: "mcp-station-console (a person)", stopReason: "endTurn" },
    });
  };

  return (
    <dialog
      ref={dialog}
      class="server-request"
      aria-labelledby="server-request-title"
      onCancel={(e) => {
        e.preventDefault();
        cancel();
      }}
    >
      <form onSubmit={submit} noValidate>
        <h2 id="server-request-title">{isElicitation ? "The server asks for input" : "The server asks for a completion (sampling)"}</h2>
        {isElicitation ? (
          <>
            <p class="server-text">{params.message}</p>
            {url !== undefined ? (
              <p>
                The server asks you to open <code class="server-text">{url}</code>
                {/^https?:\/\//.test(url) ? (
                  <>
                    {" "}
                    (
                    <a href={url} target="_blank" rel="noopener noreferrer">
                      open it in a new tab
                    </a>
                    )
                  </>
                ) : null}
                .
              </p>
            ) : (
              <Fields schema={schema} path="" value={value} errors={errors} onChange={setValue} />
            )}
          </>
        ) : (
          <>
            {params.systemPrompt ? <p class="muted server-text">{params.systemPrompt}</p> : null}
            <ol class="messages">
              {(params.messages ?? []).map((m) => (
                <li>
                  <strong>{m.role}:</strong> <span class="server-text">{textOf(m)}</span>
                </li>
              ))}
            </ol>
            <div class="field">
              <label for="sampling-reply">Your reply, as the assistant</label>
              <textarea id="sampling-reply" rows={4} required value={reply} onInput={(e) => setReply(e.currentTarget.value)} />
            </div>
          </>
        )}
        <div class="actions">
          <button type="submit">{isElicitation ? "Accept" : "Send reply"}</button>
          {isElicitation ? (
            <button type="button" onClick={() => asked.answer({ result: { action: "decline" } })}>
              Decline
            </button>
          ) : null}
          <button type="button" onClick={cancel}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
