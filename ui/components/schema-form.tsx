/**
 * A form generated from a JSON Schema (a tool's inputSchema, an elicitation's
 * requestedSchema): strings, numbers, integers, booleans, enums (plain,
 * titled with oneOf/anyOf, legacy enumNames), arrays (of choices, of
 * primitives, or anything else as JSON), nested objects. `validate` checks a
 * value against the same schema before it is sent.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";

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

type Errors = Record<string, string>;

const typeOf = (schema: Schema) => (Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type);

/** The choices of an enum-like schema, as [value, label] pairs, or undefined. */
function choicesOf(schema: Schema | undefined): [unknown, string][] | undefined {
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
    if (schema.minItems !== undefined && value.length < schema.minItems) errors[at] = `at least ${schema.minItems} items`;
    else if (schema.maxItems !== undefined && value.length > schema.maxItems) errors[at] = `at most ${schema.maxItems} items`;
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

interface FieldProps {
  schema: Schema;
  name: string;
  path: string;
  value: unknown;
  required: boolean;
  errors: Errors;
  onChange: (value: unknown) => void;
}

const fieldId = (path: string) => `field-${path.replace(/[^a-zA-Z0-9_-]/g, "_")}`;

function Field({ schema, name, path, value, required, errors, onChange }: FieldProps) {
  const id = fieldId(path);
  const error = errors[path];
  const type = typeOf(schema);
  const choices = choicesOf(schema);
  const label = (
    <label for={id}>
      {schema.title ?? name}
      {required ? <span aria-hidden="true"> *</span> : null}
    </label>
  );
  const hint = schema.description ? <small id={`${id}-hint`}>{schema.description}</small> : null;
  const problem = error ? (
    <small class="error" id={`${id}-error`} role="alert">
      {error}
    </small>
  ) : null;
  const described = [schema.description ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const common = { id, name: path, "aria-invalid": error ? ("true" as const) : undefined, "aria-describedby": described, required };

  if (type === "object" && schema.properties) {
    return (
      <fieldset>
        <legend>{schema.title ?? name}</legend>
        {hint}
        <Fields schema={schema} path={path} value={(value as Record<string, unknown>) ?? {}} errors={errors} onChange={onChange} />
      </fieldset>
    );
  }
  if (type === "boolean") {
    return (
      <div class="field check">
        <input type="checkbox" {...common} required={false} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} />
        {label}
        {hint}
        {problem}
      </div>
    );
  }
  if (choices) {
    const index = choices.findIndex(([v]) => v === value);
    return (
      <div class="field">
        {label}
        <select {...common} value={index < 0 ? "" : String(index)} onChange={(e) => onChange(choices[Number(e.currentTarget.value)]?.[0])}>
          <option value="">–</option>
          {choices.map(([, text], i) => (
            <option value={String(i)}>{text}</option>
          ))}
        </select>
        {hint}
        {problem}
      </div>
    );
  }
  if (type === "array") {
    const itemChoices = choicesOf(schema.items);
    const list = Array.isArray(value) ? value : [];
    if (itemChoices) {
      return (
        <fieldset class="field">
          <legend>{schema.title ?? name}</legend>
          {itemChoices.map(([v, text], i) => (
            <label class="check">
              <input
                type="checkbox"
                name={path}
                id={`${id}-${i}`}
                checked={list.includes(v)}
                onChange={(e) => onChange(e.currentTarget.checked ? [...list, v] : list.filter((x) => x !== v))}
              />
              {text}
            </label>
          ))}
          {hint}
          {problem}
        </fieldset>
      );
    }
    const itemType = schema.items ? typeOf(schema.items) : "string";
    if (itemType === "string" || itemType === "number" || itemType === "integer") {
      const numeric = itemType !== "string";
      return (
        <div class="field">
          {label}
          <textarea
            {...common}
            rows={3}
            value={list.map(String).join("\n")}
            onInput={(e) => {
              const lines = e.currentTarget.value.split("\n").filter((line) => line !== "");
              onChange(numeric ? lines.map(Number) : lines);
            }}
          />
          <small>one item per line</small>
          {hint}
          {problem}
        </div>
      );
    }
  }
  if (type === "string") {
    const inputType = schema.format === "date" ? "date" : schema.format === "email" ? "email" : schema.format === "uri" ? "url" : "text";
    return (
      <div class="field">
        {label}
        <input
          {...common}
          type={inputType as "text"}
          value={(value as string) ?? ""}
          onInput={(e) => onChange(e.currentTarget.value || undefined)}
        />
        {hint}
        {problem}
      </div>
    );
  }
  if (type === "number" || type === "integer") {
    return (
      <div class="field">
        {label}
        <input
          {...common}
          type="number"
          step={type === "integer" ? 1 : "any"}
          min={schema.minimum}
          max={schema.maximum}
          value={value === undefined ? "" : String(value)}
          onInput={(e) => onChange(e.currentTarget.value === "" ? undefined : Number(e.currentTarget.value))}
        />
        {hint}
        {problem}
      </div>
    );
  }
  return <JsonField {...common} label={label} hint={hint} problem={problem} value={value} onChange={onChange} />;
}

/** Anything the form cannot draw as fields (a union, an array of objects): edited as JSON. */
function JsonField(props: {
  id: string;
  label: ComponentChildren;
  hint: ComponentChildren;
  problem: ComponentChildren;
  value: unknown;
  onChange: (v: unknown) => void;
}) {
  const [text, setText] = useState(props.value === undefined ? "" : JSON.stringify(props.value, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <div class="field">
      {props.label}
      <textarea
        id={props.id}
        rows={4}
        class="mono"
        aria-invalid={bad ? "true" : undefined}
        value={text}
        onInput={(e) => {
          const next = e.currentTarget.value;
          setText(next);
          try {
            props.onChange(next.trim() === "" ? undefined : JSON.parse(next));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      <small>JSON{bad ? ": not valid JSON yet" : ""}</small>
      {props.hint}
      {props.problem}
    </div>
  );
}

export function Fields(props: {
  schema: Schema;
  path: string;
  value: Record<string, unknown>;
  errors: Errors;
  onChange: (value: Record<string, unknown>) => void;
}) {
  const { schema, path, value, errors, onChange } = props;
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) return <p class="muted">No arguments.</p>;
  return (
    <>
      {entries.map(([name, property]) => {
        const childPath = path ? `${path}.${name}` : name;
        return (
          <Field
            schema={property}
            name={name}
            path={childPath}
            value={value[name]}
            required={schema.required?.includes(name) ?? false}
            errors={errors}
            onChange={(next) => {
              const copy = { ...value };
              if (next === undefined) delete copy[name];
              else copy[name] = next;
              onChange(copy);
            }}
          />
        );
      })}
    </>
  );
}
