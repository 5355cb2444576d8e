/**
 * The first thing wrong with a value, in words an operator can act on: where
 * (`[0].size`, `station.allow_env`) and what it must be, said from the schema
 * ("a whole number from 1 to 64", "an array of strings"). TypeBox's
 * Value.Errors finds the problems; its own messages ("Expected integer") name
 * neither the field nor the rule, so they are rewritten here.
 *
 * An error inside a list or map of plain values is told about the whole list
 * or map ("env_vars must be an object of strings", not "env_vars.A must be a
 * string"), as a reader of the file thinks of it.
 *
 * @example
 *   firstProblem(Type.Object({ size: Type.Integer({ minimum: 1 }) }), { size: 0 }) // "size must be a whole number of at least 1"
 */
import { Kind, type TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

type Schema = TSchema & Record<string, unknown>;

const kind = (schema: Schema): string => schema[Kind] as string;

/** A field path as written in the problem: `[0].env_vars`, `station.allow_env`. */
function pathText(segments: string[]): string {
  return segments.map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`)).join("");
}

function itemsOf(schema: Schema): Schema | undefined {
  if (kind(schema) === "Array") return schema.items as Schema;
  if (kind(schema) === "Record") return Object.values(schema.patternProperties as Record<string, Schema>)[0];
  return undefined;
}

function plural(schema: Schema): string {
  if (kind(schema) === "String") return "strings";
  if (kind(schema) === "Union") return (schema.anyOf as Schema[]).map(plural).join(" or ");
  if (kind(schema) === "Object") return "objects";
  if (kind(schema) === "Integer") return "whole numbers";
  return "values";
}

/** What a value of `schema` must be, as the end of "... must be ___". */
export function expectation(schema: Schema): string {
  switch (kind(schema)) {
    case "String": {
      const base = (schema.minLength as number | undefined) ? "a non-empty string" : "a string";
      return schema.maxLength === undefined ? base : `${base} of at most ${schema.maxLength} characters`;
    }
    case "Integer": {
      const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
      if (minimum !== undefined && maximum !== undefined) return `a whole number from ${minimum} to ${maximum}`;
      if (minimum !== undefined) return `a whole number of at least ${minimum}`;
      return maximum === undefined ? "a whole number" : `a whole number of at most ${maximum}`;
    }
    case "Boolean":
      return "true or false";
    case "Union": {
      const members = schema.anyOf as Schema[];
      if (members.every((member) => kind(member) === "Literal")) {
        const words = members.map((member) => String(member.const));
        return words.length === 1 ? words[0]! : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
      }
      return members.map(expectation).join(" or ");
    }
    case "Array": {
      const limit = schema.maxItems === undefined ? "" : `at most ${schema.maxItems} `;
      return `an array of ${limit}${plural(schema.items as Schema)}`;
    }
    case "Record":
      return `an object of ${plural(itemsOf(schema)!)}`;
    case "Object":
      return "an object";
    default:
      return "valid";
  }
}

/** The problem with `value` under `schema`, or undefined when there is none. */
export function firstProblem(schema: TSchema, value: unknown): string | undefined {
  const error = Value.Errors(schema, value).First();
  if (!error) return undefined;
  const segments = error.path
    .split("/")
    .slice(1)
    .map((segment) => segment.replaceAll("~1", "/").replaceAll("~0", "~"));
  // Walk down to the failing field, stopping at a list or map of plain values.
  let at = schema as Schema;
  const kept: string[] = [];
  for (const segment of segments) {
    const items = itemsOf(at);
    if (items) {
      if (kind(items) !== "Object") break;
      at = items;
    } else if (kind(at) === "Object") {
      const property = (at.properties as Record<string, Schema>)[segment];
      if (!property) {
        const where = kept.length > 0 ? `${pathText(kept)} has` : "has";
        return `${where} an unknown field "${segment}"`;
      }
      at = property;
    } else {
      break;
    }
    kept.push(segment);
  }
  return `${kept.length > 0 ? `${pathText(kept)} ` : ""}must be ${expectation(at)}`;
}
