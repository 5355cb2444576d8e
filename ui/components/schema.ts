/**
 * What the console knows of JSON Schema, for the forms it generates (a tool's
 * inputSchema, an elicitation's requestedSchema): a field's type, its choices,
 * the value a form starts with, and the checks run before anything is sent.
 */
export interface Schema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  enumNames?: string[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
}

export type Errors = Record<string, string>;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const typeOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type);

/** The choices of an enum-like schema, as [value, label] pairs, or undefined. */
export function choicesOf(schema: Schema | undefined): [unknown, string][] | undefined {
  if (!schema) return undefined;
  if (schema.enum) return schema.enum.map((v, i) => [v, schema.enumNames?.[i] ?? String(v)]);
  const options = schema.oneOf ?? schema.anyOf;
  if (options?.every((o) => "const" in o)) return options.map((o) => [o.const, o.title ?? String(o.const)]);
  return undefined;
}

/** The value a form starts with: each property's default, nothing for the rest. */
export function initialValue(schema: Schema): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.default !== undefined) value[name] = property.default;
    else if (typeOf(property) === "object" && property.properties) value[name] = initialValue(property);
  }
  return value;
}

/** Problems with `value` under `schema`, keyed by the field's path ("a.b"); empty when it is valid. */
export function validate(schema: Schema, value: unknown, path = ""): Errors {
  const errors: Errors = {};
  const at = path || "(value)";
  if (value === undefined || value === "") return errors;
  const type = typeOf(schema);
  const choices = choicesOf(schema);
  if (choices && !choices.some(([v]) => v === value)) errors[at] = "choose one of the options";
  else if ((type === "number" || type === "integer") && (typeof value !== "number" || Number.isNaN(value)))
    errors[at] = "a number is needed";
  else if (type === "integer" && !Number.isInteger(value)) errors[at] = "a whole number is needed";
  else if (typeof value === "number" && schema.minimum !== undefined && value < schema.minimum) errors[at] = `at least ${schema.minimum}`;
  else if (typeof value === "number" && schema.maximum !== undefined && value > schema.maximum) errors[at] = `at most ${schema.maximum}`;
  else if (typeof value === "string" && schema.minLength !== undefined && value.length < schema.minLength)
    errors[at] = `at least ${schema.minLength} characters`;
  else if (typeof value === "string" && schema.maxLength !== undefined && value.length > schema.maxLength)
    errors[at] = `at most ${schema.maxLength} characters`;
  else if (typeof value === "string" && schema.pattern && !new RegExp(schema.pattern, "u").test(value))
    errors[at] = `must match ${schema.pattern}`;
  else if (typeof value === "string" && schema.format === "email" && !/^[^@\s]+@[^@\s]+$/.test(value))
    errors[at] = "an email address is needed";
  else if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) errors[at] = `at least ${plural(schema.minItems, "item")}`;
    else if (schema.maxItems !== undefined && value.length > schema.maxItems) errors[at] = `at most ${plural(schema.maxItems, "item")}`;
    else if (schema.items) for (const [i, item] of value.entries()) Object.assign(errors, validate(schema.items, item, `${path}[${i}]`));
  } else if ((type === "object" || !type) && schema.properties && typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    for (const name of schema.required ?? []) {
      if (record[name] === undefined || record[name] === "") errors[path ? `${path}.${name}` : name] = "required";
    }
    for (const [name, property] of Object.entries(schema.properties)) {
      Object.assign(errors, validate(property, record[name], path ? `${path}.${name}` : name));
    }
  }
  return errors;
}
