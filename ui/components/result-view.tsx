/**
 * A tool's result (or a prompt's messages, a resource's contents) drawn for
 * people: text as text, JSON pretty-printed, images from their base64 data,
 * embedded resources and links by their URI. Everything a server sent is
 * rendered as text nodes (Preact escapes it); nothing is ever parsed as HTML.
 */

interface Content {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri: string; mimeType?: string; text?: string; blob?: string };
}

const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp|svg\+xml)$/;

function ContentItem({ item }: { item: Content }) {
  if (item.type === "text") return <pre class="result-text">{item.text}</pre>;
  if (item.type === "image" && item.data && IMAGE_TYPES.test(item.mimeType ?? "")) {
    return <img class="result-image" alt={`sent by the server (${item.mimeType})`} src={`data:${item.mimeType};base64,${item.data}`} />;
  }
  if (item.type === "audio")
    return (
      <p class="muted">
        audio ({item.mimeType}), {Math.round(((item.data?.length ?? 0) * 3) / 4)} bytes
      </p>
    );
  if (item.type === "resource" && item.resource) {
    return (
      <figure class="resource">
        <figcaption>
          embedded resource <code>{item.resource.uri}</code> {item.resource.mimeType ? `(${item.resource.mimeType})` : ""}
        </figcaption>
        {item.resource.text !== undefined ? (
          <pre class="result-text">{item.resource.text}</pre>
        ) : (
          <p class="muted">binary, {Math.round(((item.resource.blob?.length ?? 0) * 3) / 4)} bytes</p>
        )}
      </figure>
    );
  }
  if (item.type === "resource_link") {
    return (
      <p>
        resource link <code>{item.uri}</code> {item.name ? `— ${item.name}` : ""}
      </p>
    );
  }
  return <pre class="result-json">{JSON.stringify(item, null, 2)}</pre>;
}

export function ResultView({ result }: { result: unknown }) {
  const record = (result ?? {}) as { content?: Content[]; structuredContent?: unknown; isError?: boolean; contents?: Content[] };
  const items = record.content ?? record.contents?.map((c) => ({ type: "resource", resource: c as Content["resource"] }) as Content);
  return (
    <div class={record.isError ? "result is-error" : "result"}>
      {record.isError ? <p class="error">The tool reported an error.</p> : null}
      {items?.map((item) => (
        <ContentItem item={item} />
      ))}
      {record.structuredContent !== undefined ? (
        <>
          <h4>Structured content</h4>
          <pre class="result-json">{JSON.stringify(record.structuredContent, null, 2)}</pre>
        </>
      ) : null}
      {items === undefined && record.structuredContent === undefined ? (
        <pre class="result-json">{JSON.stringify(result, null, 2)}</pre>
      ) : null}
    </div>
  );
}
