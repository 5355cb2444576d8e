/**
 * Server-Sent Events over fetch: EventSource cannot send the credential
 * header, so the stream is read from a fetch body. It reconnects with the
 * last id (the station resumes from it without loss) until the station says
 * the stream is over (204) or the caller aborts.
 */
import { stationUrl } from "./api.ts";
import { authHeaders } from "./credential.ts";

export type EventHandler = (event: string, data: unknown) => void;

export async function followEvents(path: string, onEvent: EventHandler, signal: AbortSignal): Promise<void> {
  const cursor: { id?: string } = {};
  while (!signal.aborted) {
    try {
      const headers: Record<string, string> = { accept: "text/event-stream", ...authHeaders() };
      if (cursor.id) headers["last-event-id"] = cursor.id;
      const response = await fetch(stationUrl(path), { headers, signal, credentials: "omit" });
      if (response.status === 204 || (response.status >= 400 && response.status < 500)) {
        onEvent("end", { status: response.status });
        return;
      }
      if (!response.body) throw new Error("no body");
      await readStream(response.body, onEvent, cursor);
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Reads events until the stream ends; `cursor.id` follows the last id seen, for the reconnect. */
async function readStream(body: ReadableStream<Uint8Array>, onEvent: EventHandler, cursor: { id?: string }) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf("\n");
      if (line === "") {
        if (data.length > 0) {
          let parsed: unknown = data.join("\n");
          try {
            parsed = JSON.parse(parsed as string);
          } catch {}
          onEvent(event, parsed);
        }
        event = "message";
        data = [];
      } else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      else if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("id:")) cursor.id = line.slice(3).trim();
    }
  }
}
