/**
 * The one place failures become HTTP. Station errors carry their status;
 * Elysia's own (validation, parse, unknown route) are mapped to the same body
 * shape; anything else is masked to the caller and logged in full.
 */
import { Elysia } from "elysia";
import { BadRequest, NotFound, PayloadTooLarge, RemoteError, StationError, ValidationFailed, causeChain, toErrorBody } from "../errors.ts";
import type { Logger } from "../log.ts";

function summariseValidation(error: unknown): { message: string; details: Record<string, unknown> } {
  const all = (error as { all?: { path?: string; message?: string; summary?: string }[] }).all ?? [];
  const problems = all.slice(0, 10).map((issue) => ({ path: issue.path || "/", message: issue.summary ?? issue.message }));
  const first = problems[0];
  const message = first ? `invalid request: ${first.path} ${first.message}` : "invalid request";
  return { message, details: { problems } };
}

export const errorHandling = (log: Logger) =>
  new Elysia({ name: "errors" }).onError({ as: "global" }, ({ code, error, request }) => {
    let mapped: unknown = error;
    switch (code) {
      case "VALIDATION": {
        const { message, details } = summariseValidation(error);
        mapped = new ValidationFailed(message, details);
        break;
      }
      case "PARSE":
        mapped = new BadRequest("the request body is not valid JSON");
        break;
      case "NOT_FOUND":
        mapped = new NotFound(`no route for ${request.method} ${new URL(request.url).pathname}`);
        break;
      default:
        // A body nested thousands deep makes the validator's error builder recurse past the stack
        // (found by the hostile-input tests). Refusing deep bodies before validation would need a
        // parse hook, which empties the OpenAPI document's request bodies; so the overflow is mapped here.
        if (error instanceof RangeError && /call stack/i.test(error.message)) {
          mapped = new BadRequest("the request body nests too deeply");
        } else if ((error as { status?: number })?.status === 413 || /too large/i.test(String((error as Error)?.message))) {
          mapped = new PayloadTooLarge("the request body is larger than MCP_STATION_MAX_BODY_BYTES");
        }
    }
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
