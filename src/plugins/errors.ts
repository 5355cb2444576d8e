/**
 * Where a failure on a REST route becomes its reply (the body is toErrorBody's,
 * src/errors/map.ts). Station errors carry their status; Elysia's and Bun's own
 * (validation, parse, unknown route, a body too large or too deep) are mapped
 * to station errors first; anything else is masked to the caller and logged in full.
 */
import { Elysia, ParseError } from "elysia";
import { BadRequest, NotFound, PayloadTooLarge, RemoteError, StationError, ValidationFailed, causeChain, toErrorBody } from "../errors.ts";
import type { Logger } from "../log.ts";

function summariseValidation(error: unknown): { message: string; details: Record<string, unknown> } {
  const all = (error as { all?: { path?: string; message?: string; summary?: string }[] }).all ?? [];
  const problems = all.slice(0, 10).map((issue) => ({ path: issue.path || "/", message: issue.summary ?? issue.message }));
  const first = problems[0];
  const message = first ? `invalid request: ${first.path} ${first.message}` : "invalid request";
  return { message, details: { problems } };
}

/** The text of the error Bun 1.4 rejects a body read with once the body passes maxRequestBodySize. */
const BUN_BODY_LIMIT = "Request body exceeded maxRequestBodySize";

/**
 * Whether a failure is the request body passing MCP_STATION_MAX_BODY_BYTES. Bun enforces the limit itself:
 * a body whose Content-Length is over it never reaches the app, and one sent in chunks gets Bun's own empty
 * 413 whatever the app answers; what reaches the app is the failed read. Bun rejects that read with a bare
 * Error (no class, code or status of its own), and Elysia wraps it in its ParseError (code PARSE, status 400)
 * on the routes it parses: the wrapped error is unwrapped, and the bare Error known by being exactly that
 * (its prototype is Error's, its text Bun's). test/errors/body-limit.test.ts sends such bodies, so a Bun
 * that throws something else fails there. An error that names status 413 itself is taken at its word.
 */
export function isBodyOverLimit(error: unknown): boolean {
  const read = error instanceof ParseError ? error.cause : error;
  if ((read as { status?: unknown } | null)?.status === 413) return true;
  return read instanceof Error && Object.getPrototypeOf(read) === Error.prototype && read.message === BUN_BODY_LIMIT;
}

export const bodyTooLarge = (cause: unknown) =>
  new PayloadTooLarge("the request body is larger than MCP_STATION_MAX_BODY_BYTES", {}, { cause });

/**
 * Elysia's own failures (validation, parse, unknown route) and Bun's (a body too large or too deep) as the
 * station's errors; anything else as it is. The request log reads statuses through it too, so its status
 * is the one the caller was sent.
 */
export function asStationError(code: unknown, error: unknown, request: Request): unknown {
  switch (code) {
    case "VALIDATION": {
      const { message, details } = summariseValidation(error);
      return new ValidationFailed(message, details, { cause: error });
    }
    case "PARSE":
      return isBodyOverLimit(error) ? bodyTooLarge(error) : new BadRequest("the request body is not valid JSON", {}, { cause: error });
    case "NOT_FOUND":
      // URL.parse, not new URL: the error handler itself must never throw, whatever URL Bun handed over.
      return new NotFound(`no route for ${request.method} ${URL.parse(request.url)?.pathname ?? request.url}`);
  }
  // A body nested thousands deep makes the validator's error builder recurse past the stack
  // (found by the hostile-input tests). Refusing deep bodies before validation would need a
  // parse hook, which empties the OpenAPI document's request bodies; so the overflow is mapped here.
  // It is known by its type: JavaScriptCore reports an exhausted stack as a RangeError and gives it
  // no code, and its text is engine prose that changes between releases.
  if (error instanceof RangeError) return new BadRequest("the request body nests too deeply", {}, { cause: error });
  if (isBodyOverLimit(error)) return bodyTooLarge(error);
  return error;
}

export const errorHandling = (log: Logger) =>
  new Elysia({ name: "errors" }).onError({ as: "global" }, ({ code, error, request }) => {
    const mapped = asStationError(code, error, request);
    const { status, body, headers } = toErrorBody(mapped);
    if (!(mapped instanceof StationError || mapped instanceof RemoteError)) {
      // Masked to the caller as internal_error: the log has all of it, the causes behind it included.
      const causes = causeChain(error);
      log.error("unhandled error", {
        err: error as Error,
        ...(causes.length > 0 ? { causes } : {}),
        method: request.method,
        url: request.url,
      });
    }
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });
  });
