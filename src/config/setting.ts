/**
 * One row of the settings table: the variable, the type of its value (a
 * TypeBox schema), its default, what it means, and how the text in the
 * environment becomes that value. The table is settings.ts; the loader
 * (load.ts) reads every row, and docs/configuration.md is rendered from them.
 *
 * @example
 *   const port = integer({ name: "MCP_STATION_PORT", default: 20100, minimum: 0, maximum: 65535, meaning: "HTTP port." });
 *   port.read("8080"); // 8080
 *   port.read("http"); // throws ConfigError: MCP_STATION_PORT must be a whole number from 0 to 65535, got "http"
 */
import { type Static, type TLiteral, type TSchema, type TUnion, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./config-error.ts";

/** Byte units for the sizes in the table. */
export const KiB = 1024;
export const MiB = 1024 * KiB;

/** The page's sections, in the README's order. */
export type Section = "core" | "security" | "live" | "operations" | "cluster";

export interface Setting<T> {
  /** The environment variable. */
  readonly name: string;
  /** How the text is written: a number, one word of a few, free text, a comma-separated list, or JSON. */
  readonly kind: "integer" | "choice" | "text" | "list" | "json";
  /** The value's type and bounds, once read. */
  readonly schema: TSchema;
  /** The value when the variable is unset or blank; undefined when there is none or the loader derives it. */
  readonly default: T;
  /** How the default reads on the page when it is not the value itself (derived, or what none means). */
  readonly defaultText?: string;
  /** One sentence: what it does. */
  readonly meaning: string;
  /** The value of this variable's text; throws ConfigError naming the variable. */
  read(raw: string | undefined): T;
}

interface Described {
  name: string;
  meaning: string;
  defaultText?: string;
}

const given = (raw: string | undefined): raw is string => raw !== undefined && raw.trim() !== "";

export function integer(spec: Described & { default: number; minimum?: number; maximum?: number }): Setting<number>;
export function integer(spec: Described & { default?: undefined; minimum?: number; maximum?: number }): Setting<number | undefined>;
export function integer(spec: Described & { default?: number; minimum?: number; maximum?: number }): Setting<number | undefined> {
  const { minimum = 0, maximum } = spec;
  const schema = Type.Integer(maximum === undefined ? { minimum } : { minimum, maximum });
  return {
    ...spec,
    kind: "integer",
    schema,
    default: spec.default,
    read(raw) {
      if (!given(raw)) return spec.default;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || !Value.Check(schema, value)) {
        throw new ConfigError(`${spec.name} must be a whole number from ${minimum} to ${maximum ?? Number.MAX_SAFE_INTEGER}, got "${raw}"`);
      }
      return value;
    },
  };
}

/** A union of string literals, as choice() takes it. */
export type Choices<T extends string> = TUnion<TLiteral<T>[]>;

/** The union of `values` as a schema. */
export const oneOf = <const T extends string>(values: readonly T[]): Choices<T> => Type.Union(values.map((value) => Type.Literal(value)));

/** The two words of a switch. */
export const OnOff = oneOf(["on", "off"]);

/** One word of a few, in any case; `aliases` maps other spellings onto them. */
export function choice<T extends string>(
  spec: Described & { schema: Choices<T>; default: NoInfer<T>; aliases?: Record<string, NoInfer<T>> },
): Setting<T>;
export function choice<T extends string>(
  spec: Described & { schema: Choices<T>; default?: undefined; aliases?: Record<string, NoInfer<T>> },
): Setting<T | undefined>;
export function choice<T extends string>(
  spec: Described & { schema: Choices<T>; default?: T; aliases?: Record<string, T> },
): Setting<T | undefined> {
  const options = spec.schema.anyOf.map((literal) => literal.const);
  return {
    ...spec,
    kind: "choice",
    default: spec.default,
    read(raw) {
      if (!given(raw)) return spec.default;
      const word = raw.trim().toLowerCase();
      const value = spec.aliases?.[word] ?? word;
      if (!Value.Check(spec.schema, value)) throw new ConfigError(`${spec.name} must be one of ${options.join(", ")}, got "${value}"`);
      return value as T;
    },
  };
}

interface TextSpec extends Described {
  /** Constraints a schema can say (length, pattern). */
  schema?: TSchema;
  /** A rule it cannot (a URL that parses, a scheme in any case). */
  accept?: (value: string) => boolean;
  /** The message when the text breaks either. */
  invalid?: (value: string) => string;
}

/** Free text, trimmed; unset or blank is the default, or undefined when there is none. */
export function text(spec: TextSpec & { default: string }): Setting<string>;
export function text(spec: TextSpec & { default?: undefined }): Setting<string | undefined>;
export function text(spec: TextSpec & { default?: string }): Setting<string | undefined> {
  const schema = spec.schema ?? Type.String();
  return {
    ...spec,
    kind: "text",
    schema,
    default: spec.default,
    read(raw) {
      const value = given(raw) ? raw.trim() : spec.default;
      if (value === undefined) return undefined;
      if (!Value.Check(schema, value) || (spec.accept && !spec.accept(value))) {
        throw new ConfigError(spec.invalid?.(value) ?? `${spec.name} is not valid: "${value}"`);
      }
      return value;
    },
  };
}

/** Comma-separated items, each trimmed, blanks dropped; unset is an empty list. */
export function list(spec: Described): Setting<string[]> {
  return {
    ...spec,
    kind: "list",
    schema: Type.Array(Type.String({ minLength: 1 })),
    default: [],
    read: (raw) =>
      (raw ?? "")
        .split(",")
        .map((item) => item.trim())
        .filter(Boolean),
  };
}

/** A JSON document, parsed and checked by `parse` (which names the variable in its errors). */
export function json<S extends TSchema>(spec: Described & { schema: S; default: Static<S>; parse(raw: string | undefined): Static<S> }) {
  return { ...spec, kind: "json", read: spec.parse } satisfies Setting<Static<S>>;
}

/** Stamps a section on every row of a group. */
export function section<G extends Record<string, Setting<unknown>>>(
  name: Section,
  group: G,
): { [K in keyof G]: G[K] & { section: Section } } {
  return Object.fromEntries(Object.entries(group).map(([key, setting]) => [key, { ...setting, section: name }])) as {
    [K in keyof G]: G[K] & { section: Section };
  };
}

/** Every row's value, read from `env`. */
export function readSettings<Table extends Record<string, Setting<unknown>>>(
  table: Table,
  env: Record<string, string | undefined>,
): { [K in keyof Table]: Table[K] extends Setting<infer T> ? T : never } {
  return Object.fromEntries(Object.entries(table).map(([key, setting]) => [key, setting.read(env[setting.name])])) as {
    [K in keyof Table]: Table[K] extends Setting<infer T> ? T : never;
  };
}
