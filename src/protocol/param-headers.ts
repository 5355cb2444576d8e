/**
 * The `Mcp-Param-{Name}` headers of 2026-07-28 (SEP-2243, Streamable HTTP,
 * "Custom Headers from Tool Parameters"): a tool marks parameters of its
 * `inputSchema` with `x-mcp-header`, and a client mirrors their values into
 * headers so that proxies can route on them without reading the body. A
 * server that reads the body MUST check that each header matches its value,
 * and answer 400 with HeaderMismatch (-32020) when one is missing, differs, or
 * carries characters a header value may not. A stdio server never sees the
 * HTTP request, so the station checks for it. Pure: the schemas and headers
 * come in, the problem (or none) goes out.
 *
 * @example
 *   const declared = paramHeaders({ type: "object", properties: { region: { type: "string", "x-mcp-header": "Region" } } });
 *   paramHeaderMismatch(new Headers({ "mcp-param-region": "us-west1" }), declared, { region: "us-west1" })   // undefined
 *   paramHeaderMismatch(new Headers(), declared, { region: "us-west1" })   // "Header mismatch: the Mcp-Param-Region header is missing …"
 */

/** One parameter a tool mirrors into a header: its header name and where its value is in the arguments. */
export interface ParamHeader {
  name: string;
  path: string[];
}

/** RFC 9110 `token` (1*tchar): what an `x-mcp-header` value must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRIMITIVE = new Set(["string", "integer", "boolean", "number"]);
/** Schemas nest this deep at most before the walk stops (a runaway schema, not a real tool). */
const MAX_DEPTH = 32;

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The parameters a tool's `inputSchema` mirrors into headers. Only annotations the specification allows
 * count: reached from the root through `properties` alone, on a primitive type, a token for a name, unique
 * without regard to case. (A client drops a tool whose annotation breaks a rule, so nothing is expected of it.)
 */
export function paramHeaders(inputSchema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  const walk = (schema: Record<string, unknown>, path: string[]) => {
    const properties = record(schema.properties);
    if (!properties || path.length >= MAX_DEPTH) return;
    for (const [key, value] of Object.entries(properties)) {
      const property = record(value);
      if (!property) continue;
      const name = property["x-mcp-header"];
      if (typeof name === "string" && TOKEN.test(name) && PRIMITIVE.has(String(property.type))) found.push({ name, path: [...path, key] });
      walk(property, [...path, key]);
    }
  };
  const root = record(inputSchema);
  if (root) walk(root, []);
  const seen = new Map<string, number>();
  for (const header of found) seen.set(header.name.toLowerCase(), (seen.get(header.name.toLowerCase()) ?? 0) + 1);
  return found.filter((header) => seen.get(header.name.toLowerCase()) === 1);
}

/** A header value as the client meant it: the `=?base64?…?=` form decoded, or undefined when it is not well formed. */
export function decodeParamValue(raw: string): string | undefined {
  const sentinel = raw.match(/^=\?base64\?(.*)\?=$/s);
  if (!sentinel) return /^[\t\x20-\x7e]*$/.test(raw) ? raw : undefined;
  const encoded = sentinel[1];
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(encoded, "base64"));
  } catch {
    return undefined;
  }
}

function valueAt(args: unknown, path: string[]): unknown {
  let value = args;
  for (const key of path) value = record(value)?.[key];
  return value;
}

/** Whether a decoded header value stands for the body's value: strings exactly, numbers numerically, booleans as true/false. */
function matches(decoded: string, body: unknown): boolean {
  if (typeof body === "string") return decoded === body;
  if (typeof body === "boolean") return decoded === String(body);
  // 2026-07-28 asks integers to be compared as numbers: "42.0" stands for 42.
  if (typeof body === "number") return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(decoded) && Number(decoded) === body;
  return false;
}

/** A value as a header carries it: plain visible ASCII as it is, anything else in the `=?base64?…?=` form. */
export function encodeParamValue(value: string): string {
  const plain = value.length > 0 && value === value.trim() && /^[\t\x20-\x7e]*$/.test(value) && !/^=\?base64\?.*\?=$/s.test(value);
  return plain ? value : `=?base64?${Buffer.from(value, "utf8").toString("base64")}?=`;
}

/** What a client sends for a call (the other side of paramHeaderMismatch): one header per declared parameter that has a value. */
export function paramHeaderValues(declared: ParamHeader[], args: unknown): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, path } of declared) {
    const value = valueAt(args, path);
    if (value === undefined || value === null || typeof value === "object") continue;
    headers[`Mcp-Param-${name}`] = encodeParamValue(String(value));
  }
  return headers;
}

const shown = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** The first way the request's `Mcp-Param-*` headers fail the tool's declarations, or undefined when they match. */
export function paramHeaderMismatch(headers: Headers, declared: ParamHeader[], args: unknown): string | undefined {
  for (const { name, path } of declared) {
    const header = `Mcp-Param-${name}`;
    const raw = headers.get(header);
    const body = valueAt(args, path);
    const argument = path.join(".");
    if (body === undefined || body === null) {
      // A null or absent value has no header; one sent anyway names a value the body does not carry.
      if (raw !== null) return `Header mismatch: the ${header} header is present but ${argument} has no value in the body`;
      continue;
    }
    if (raw === null) return `Header mismatch: the ${header} header is missing; ${argument} is in the body`;
    const decoded = decodeParamValue(raw);
    if (decoded === undefined) return `Header mismatch: the ${header} header value is not valid (plain visible ASCII, or =?base64?…?=)`;
    if (!matches(decoded, body)) return `Header mismatch: ${header} header value '${decoded}' does not match body value '${shown(body)}'`;
  }
  return undefined;
}
