/**
 * The station's HTTP API as the benches use it: create and delete a session, and the seed route
 * (POST /mcp/request) as a Call. The minimal forwarder takes the same request shape, so one Call
 * drives both. The station keeps its own ids on the wire: the token in each request is what ties
 * an answer to its request.
 *
 * @example
 *   const sid = await createSession(station.url, ECHO.spec);
 *   const run = await runLoad(seedCall(station.url, sid, echoLoad("message")), { concurrency: 64, count: 10_000 });
 */
import { HttpClient, httpFailure } from "./http-client.ts";
import { type Call, checkAnswer, type ToolLoad } from "./load.ts";

export async function createSession(baseUrl: string, spec: object, signal?: AbortSignal): Promise<string> {
  const response = await fetch(`${baseUrl}/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(spec),
    signal,
  });
  const text = await response.text();
  if (!response.ok) throw httpFailure({ status: response.status, text });
  return (JSON.parse(text) as { session_id: string }).session_id;
}

export async function deleteSession(baseUrl: string, id: string): Promise<void> {
  await (await fetch(`${baseUrl}/sessions/${id}`, { method: "DELETE" })).text();
}

interface SeedAnswer {
  success?: boolean;
  data?: unknown;
  error?: { code: number; message: string };
}

/** `tool`'s tools/call on session `sessionId` through POST /mcp/request, one request per Call. */
export function seedCall(baseUrl: string, sessionId: string, tool: ToolLoad): Call {
  const client = new HttpClient(baseUrl);
  return async (id, deadline) => {
    const body = JSON.stringify({ session_id: sessionId, method: "tools/call", params: tool.params(id) });
    const answer = (await client.postJson("/mcp/request", body, deadline)) as SeedAnswer;
    const error = answer.success === true ? undefined : (answer.error ?? { code: 0, message: "success is not true" });
    checkAnswer({ result: answer.data, error }, tool, id);
  };
}
