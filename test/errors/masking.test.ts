/**
 * An unknown failure is masked to the caller as internal_error on every channel, and logged in full (its
 * causes too) on REST; the failures Elysia and Bun raise themselves are mapped by their type.
 */
import { expect, test } from "bun:test";
import { Elysia, ParseError, t } from "elysia";
import { toMcpErrorReply, toRpcError } from "../../src/errors.ts";
import { createLogger } from "../../src/log.ts";
import { asStationError, errorHandling } from "../../src/plugins/errors.ts";

function appWithLog() {
  const lines: Record<string, any>[] = [];
  const log = createLogger("info", (line) => lines.push(JSON.parse(line)));
  const app = new Elysia()
    .use(errorHandling(log))
    .get("/boom", () => {
      throw new Error("password=hunter2 in a failed query", { cause: new Error("connection refused", { cause: "ECONNREFUSED" }) });
    })
    .get("/too-large-text", () => {
      throw new Error("this message says too large but is a bug");
    })
    .post("/typed", ({ body }) => body, { body: t.Object({ a: t.String() }) });
  return { app, lines };
}

const INTERNAL = { success: false, error: { code: -32603, message: "internal error", data: { type: "internal_error" } } };

test("REST: an unknown error is 500 internal_error to the caller, and logged with its causes", async () => {
  const { app, lines } = appWithLog();
  const res = await app.handle(new Request("http://station/boom"));
  expect(res.status).toBe(500);
  const text = await res.text();
  expect(JSON.parse(text)).toEqual(INTERNAL);
  expect(text).not.toContain("hunter2");
  const logged = lines.find((line) => line.msg === "unhandled error");
  expect(logged?.err.message).toBe("password=hunter2 in a failed query");
  expect(logged?.causes).toEqual([
    { name: "Error", message: "connection refused", stack: expect.any(String) },
    { name: "string", message: "ECONNREFUSED" },
  ]);
  expect(logged?.url).toBe("http://station/boom");
});

test("REST: a message that merely mentions 'too large' is not a 413 (the body limit is known by Bun's error, not by words)", async () => {
  const { app, lines } = appWithLog();
  const res = await app.handle(new Request("http://station/too-large-text"));
  expect(res.status).toBe(500);
  expect(await res.json()).toEqual(INTERNAL);
  expect(lines.some((line) => line.msg === "unhandled error")).toBe(true);
});

test("REST: Elysia's own failures keep their statuses, and are not logged as unhandled", async () => {
  const { app, lines } = appWithLog();
  const post = (body: string) =>
    app.handle(new Request("http://station/typed", { method: "POST", headers: { "content-type": "application/json" }, body }));
  expect((await post("{not json")).status).toBe(400);
  const invalid = await post('{"a": 1}');
  expect(invalid.status).toBe(422);
  expect(((await invalid.json()) as any).error.data.type).toBe("validation_failed");
  expect((await app.handle(new Request("http://station/nowhere"))).status).toBe(404);
  expect(lines.some((line) => line.msg === "unhandled error")).toBe(false);
});

test("the validator's stack overflow on a deep body is known by its type, RangeError: 400, with the overflow as cause", () => {
  const overflow = new RangeError("Maximum call stack size exceeded.");
  const mapped = asStationError("UNKNOWN", overflow, new Request("http://station/sessions")) as any;
  expect(mapped.status).toBe(400);
  expect(mapped.message).toBe("the request body nests too deeply");
  expect(mapped.cause).toBe(overflow);
  expect((asStationError("PARSE", new ParseError(new SyntaxError("JSON")), new Request("http://station/")) as any).status).toBe(400);
});

test("WebSocket and MCP endpoints: an unknown error is -32603 internal error, nothing of it shown", () => {
  const secret = new Error("password=hunter2");
  expect(toRpcError(secret)).toEqual({ code: -32603, message: "internal error" });
  expect(toMcpErrorReply("r1", secret)).toEqual({
    status: 200,
    body: { jsonrpc: "2.0", id: "r1", error: { code: -32603, message: "internal error" } },
  });
  expect(toRpcError("a thrown string")).toEqual({ code: -32603, message: "internal error" });
});
