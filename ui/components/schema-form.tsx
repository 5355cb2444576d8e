/**
 * A form generated from a JSON Schema (a tool's inputSchema, an elicitation's
 * requestedSchema): strings, numbers, integers, booleans, enums (plain,
 * titled with oneOf/anyOf, legacy enumNames), arrays (of choices, of
 * primitives, or anything else as JSON), nested objects. The checks before
 * sending are in schema.ts.
 */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { choicesOf, type Errors, type Schema, typeOf } from "./schema.ts";

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
