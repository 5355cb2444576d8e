/**
 * JSON bodies are parsed here, before validation, and refused when they nest
 * deeper than MAX_BODY_DEPTH. A body nested thousands deep otherwise reaches
 * the validator, whose error builder recurses into it and overflows the stack
 * (found by the hostile-input tests: a 500), and then any server that walks it.
 *
 * @example
 *   new Elysia().use(bodyDepthLimit())   // '{"a": [[[[…10,000…]]]]}' -> 400
 */
import { Elysia } from "elysia";
import { BadRequest } from "../errors.ts";
import { MAX_BODY_DEPTH, exceedsDepth } from "../security/json-depth.ts";

export const bodyDepthLimit = () =>
  new Elysia({ name: "body-depth" }).onParse({ as: "global" }, async ({ request, contentType }) => {
    if (!contentType?.toLowerCase().startsWith("application/json")) return;
    const text = await request.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BadRequest("the request body is not valid JSON");
    }
    if (exceedsDepth(value, MAX_BODY_DEPTH)) throw new BadRequest(`the request body nests deeper than ${MAX_BODY_DEPTH} levels`);
    return value;
  });
