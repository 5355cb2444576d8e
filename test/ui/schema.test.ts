/**
 * The checks the console runs on a generated form before it sends anything
 * (ui/components/schema.ts): plain functions, tested without a browser.
 */
import { describe, expect, test } from "bun:test";
import { choicesOf, initialValue, type Schema, validate } from "../../ui/components/schema.ts";

const TOOL: Schema = {
  type: "object",
  properties: {
    text: { type: "string", minLength: 2, maxLength: 5 },
    count: { type: "integer", minimum: 1, maximum: 10, default: 3 },
    ratio: { type: "number" },
    mode: { type: "string", enum: ["a", "b"] },
    email: { type: "string", format: "email" },
    code: { type: "string", pattern: "^[A-Z]{3}$" },
    tags: { type: "array", items: { type: "string", maxLength: 3 }, minItems: 1, maxItems: 2 },
    nested: { type: "object", properties: { inner: { type: "boolean" }, name: { type: "string" } }, required: ["name"] },
  },
  required: ["text"],
};

describe("validate", () => {
  test("a valid value has no problems; a missing required field is named", () => {
    expect(validate(TOOL, { text: "abc", count: 3, nested: { name: "x" } })).toEqual({});
    expect(validate(TOOL, { nested: { name: "x" } })).toEqual({ text: "required" });
    expect(validate(TOOL, { text: "", nested: { name: "x" } })).toEqual({ text: "required" });
  });

  test("each constraint is checked where it applies, keyed by the field's path", () => {
    const problems = validate(TOOL, {
      text: "a",
      count: 2.5,
      ratio: Number.NaN,
      mode: "c",
      email: "not an address",
      code: "abc",
      tags: ["long tag"],
      nested: { inner: true },
    });
    expect(problems).toEqual({
      text: "at least 2 characters",
      count: "a whole number is needed",
      ratio: "a number is needed",
      mode: "choose one of the options",
      email: "an email address is needed",
      code: "must match ^[A-Z]{3}$",
      "tags[0]": "at most 3 characters",
      "nested.name": "required",
    });
    expect(validate(TOOL, { text: "abcdef", count: 11, tags: [], nested: { name: "x" } })).toEqual({
      text: "at most 5 characters",
      count: "at most 10",
      tags: "at least 1 item",
    });
  });

  test("a schema without a type but with properties is an object", () => {
    expect(validate({ properties: { a: { type: "string" } }, required: ["a"] }, {})).toEqual({ a: "required" });
  });
});

describe("choices and initial values", () => {
  test("plain enums, titled oneOf/anyOf and legacy enumNames give [value, label] pairs", () => {
    expect(choicesOf({ enum: ["x", "y"] })).toEqual([
      ["x", "x"],
      ["y", "y"],
    ]);
    expect(choicesOf({ enum: ["p1"], enumNames: ["Cats"] })).toEqual([["p1", "Cats"]]);
    expect(choicesOf({ oneOf: [{ const: "h1", title: "Superman" }] })).toEqual([["h1", "Superman"]]);
    expect(choicesOf({ anyOf: [{ const: 1 }, { type: "string" }] })).toBeUndefined();
    expect(choicesOf({ type: "string" })).toBeUndefined();
  });

  test("a form starts with each property's default, nested objects included", () => {
    expect(initialValue(TOOL)).toEqual({ count: 3, nested: {} });
    expect(
      initialValue({ type: "object", properties: { o: { type: "object", properties: { d: { type: "string", default: "z" } } } } }),
    ).toEqual({
      o: { d: "z" },
    });
  });
});
