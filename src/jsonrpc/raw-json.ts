/**
 * Large results passed through as the server wrote them. A 16 MiB tool result
 * otherwise costs a UTF-8 decode, JSON.parse, JSON.stringify and an encode on
 * its way from the server's stdout to the HTTP answer, and five copies of the
 * message in memory (bench/: 16 MiB results).
 *
 * `scanResponse` reads one line's bytes and, only when the line is a valid
 * JSON-RPC success response, returns its id and the exact byte span of its
 * `result` value. It validates the whole line as JSON (RFC 8259: structure,
 * strings with their escapes and control characters, numbers, literals) and
 * its UTF-8, so whatever it accepts is what JSON.parse would have accepted:
 * a line it refuses takes the ordinary path (decode, parse, classify), which
 * keeps every existing behaviour for invalid lines, requests, notifications
 * and errors. Duplicate top-level keys resolve to the last one, as JSON.parse does.
 *
 * Pure: no I/O. `isUtf8` is the standard node:buffer check (native, fast).
 */
import { isUtf8 } from "node:buffer";

/**
 * A JSON value kept as its UTF-8 text, bytes [start, end) of the line it came
 * in; written out verbatim, never parsed by the station. It owns the line.
 */
export class RawJson {
  constructor(
    private readonly line: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {}

  get bytes(): Uint8Array {
    return this.line.subarray(this.start, this.end);
  }

  /**
   * open + the value + close as one buffer. Written over the line's own bytes
   * around the value when they have room (the JSON-RPC envelope is longer than
   * most wrappers), so a 16 MiB result is not copied once more; else a new buffer.
   */
  wrap(open: Uint8Array, close: Uint8Array): Uint8Array {
    if (this.start >= open.length && this.line.length - this.end >= close.length) {
      this.line.set(open, this.start - open.length);
      this.line.set(close, this.end);
      return this.line.subarray(this.start - open.length, this.end + close.length);
    }
    const out = new Uint8Array(open.length + (this.end - this.start) + close.length);
    out.set(open, 0);
    out.set(this.bytes, open.length);
    out.set(close, open.length + this.end - this.start);
    return out;
  }

  /** Parses it after all, for a caller that needs the value. */
  parse(): unknown {
    return JSON.parse(new TextDecoder().decode(this.bytes));
  }
}

export interface ScannedResponse {
  /** The id as JSON.parse would give it (a number or a string). */
  id: number | string;
  /** Byte span of the result value in the line. */
  resultStart: number;
  resultEnd: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isWs = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isHex = (b: number) => isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);

/** End of the string starting at `pos` (a quote), after its closing quote; -1 if invalid. */
function scanString(bytes: Uint8Array, pos: number): number {
  let i = pos + 1;
  const n = bytes.length;
  while (i < n) {
    const b = bytes[i]!;
    if (b === QUOTE) return i + 1;
    if (b < 0x20) return -1;
    if (b === BACKSLASH) {
      const e = bytes[i + 1];
      if (e === 0x75) {
        // \uXXXX
        if (!(isHex(bytes[i + 2]!) && isHex(bytes[i + 3]!) && isHex(bytes[i + 4]!) && isHex(bytes[i + 5]!))) return -1;
        i += 6;
        continue;
      }
      if (e === QUOTE || e === BACKSLASH || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        i += 2;
        continue;
      }
      return -1;
    }
    i += 1;
  }
  return -1;
}

/** End of the number starting at `pos`; -1 if invalid. */
function scanNumber(bytes: Uint8Array, pos: number): number {
  let i = pos;
  if (bytes[i] === 0x2d) i += 1;
  if (bytes[i] === 0x30) i += 1;
  else if (bytes[i]! >= 0x31 && bytes[i]! <= 0x39) while (isDigit(bytes[i]!)) i += 1;
  else return -1;
  if (bytes[i] === 0x2e) {
    i += 1;
    if (!isDigit(bytes[i]!)) return -1;
    while (isDigit(bytes[i]!)) i += 1;
  }
  if (bytes[i] === 0x65 || bytes[i] === 0x45) {
    i += 1;
    if (bytes[i] === 0x2b || bytes[i] === 0x2d) i += 1;
    if (!isDigit(bytes[i]!)) return -1;
    while (isDigit(bytes[i]!)) i += 1;
  }
  return i;
}

function scanLiteral(bytes: Uint8Array, pos: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (bytes[pos + k] !== word.charCodeAt(k)) return -1;
  return pos + word.length;
}

/** End of the scalar value (string, number, literal) at `pos`; -1 if there is none. */
function scanScalar(bytes: Uint8Array, pos: number): number {
  const b = bytes[pos];
  if (b === QUOTE) return scanString(bytes, pos);
  if (b === 0x74) return scanLiteral(bytes, pos, "true");
  if (b === 0x66) return scanLiteral(bytes, pos, "false");
  if (b === 0x6e) return scanLiteral(bytes, pos, "null");
  if (b === 0x2d || isDigit(b ?? -1)) return scanNumber(bytes, pos);
  return -1;
}

/**
 * The id and result span of a JSON-RPC success response, or undefined for
 * anything else (invalid JSON or UTF-8, a request, a notification, an error
 * response, a batch). Iterative: nesting depth cannot overflow the stack.
 */
export function scanResponse(bytes: Uint8Array): ScannedResponse | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n && isWs(bytes[i]!)) i += 1;
  if (bytes[i] !== 0x7b) return undefined;
  // Top-level members: key -> [start, end) of the value.
  const members = new Map<string, [number, number]>();
  const stack: number[] = []; // 0x7b or 0x5b for each open container below the top object
  let key: string | undefined;
  let valueStart = -1;
  i += 1;
  // State: expecting a key (or "}" right after "{"), then ":", then a value, then "," or a closer.
  let expectKey = true;
  let allowClose = true;
  for (;;) {
    while (i < n && isWs(bytes[i]!)) i += 1;
    if (i >= n) return undefined;
    const b = bytes[i]!;
    const inObject = stack.length === 0 || stack[stack.length - 1] === 0x7b;
    if (expectKey && inObject) {
      if (b === 0x7d && allowClose) {
        // Empty object closes.
        if (stack.length === 0) {
          i += 1;
          break;
        }
        stack.pop();
        i += 1;
        if (stack.length === 0 && key !== undefined) members.set(key, [valueStart, i]);
        expectKey = false;
        allowClose = false;
        continue;
      }
      if (b !== QUOTE) return undefined;
      const end = scanString(bytes, i);
      if (end === -1) return undefined;
      const k = i;
      i = end;
      while (i < n && isWs(bytes[i]!)) i += 1;
      if (bytes[i] !== 0x3a) return undefined;
      i += 1;
      while (i < n && isWs(bytes[i]!)) i += 1;
      if (stack.length === 0) {
        key = JSON.parse(new TextDecoder().decode(bytes.subarray(k, end))) as string;
        valueStart = i;
      }
      expectKey = false;
      allowClose = false;
      // Fall through to read the value.
      const v = bytes[i];
      if (v === 0x7b || v === 0x5b) {
        stack.push(v);
        i += 1;
        expectKey = true;
        allowClose = true;
        continue;
      }
      const vend = scanScalar(bytes, i);
      if (vend === -1) return undefined;
      i = vend;
      if (stack.length === 0) members.set(key!, [valueStart, i]);
      continue;
    }
    if (expectKey) {
      // A value inside an array (first one, or after a comma).
      if (b === 0x5d && allowClose) {
        stack.pop();
        i += 1;
        if (stack.length === 0) members.set(key!, [valueStart, i]);
        expectKey = false;
        allowClose = false;
        continue;
      }
      if (b === 0x7b || b === 0x5b) {
        stack.push(b);
        i += 1;
        allowClose = true;
        continue;
      }
      const vend = scanScalar(bytes, i);
      if (vend === -1) return undefined;
      i = vend;
      expectKey = false;
      allowClose = false;
      continue;
    }
    // After a value: a comma, or the closer of the current container.
    if (b === 0x2c) {
      i += 1;
      expectKey = true;
      allowClose = false;
      continue;
    }
    const closer = inObject ? 0x7d : 0x5d;
    if (b !== closer) return undefined;
    i += 1;
    if (stack.length === 0) break;
    stack.pop();
    if (stack.length === 0) members.set(key!, [valueStart, i]);
  }
  while (i < n && isWs(bytes[i]!)) i += 1;
  if (i !== n) return undefined;
  if (!isUtf8(bytes)) return undefined;

  const text = (name: string) => {
    const span = members.get(name);
    return span ? new TextDecoder().decode(bytes.subarray(span[0], span[1])) : undefined;
  };
  if (text("jsonrpc") !== '"2.0"') return undefined;
  if (members.has("method") || members.has("error") || !members.has("result")) return undefined;
  const idText = text("id");
  if (idText === undefined) return undefined;
  const id = JSON.parse(idText) as unknown;
  if (!(typeof id === "string" || (typeof id === "number" && Number.isFinite(id)))) return undefined;
  const [resultStart, resultEnd] = members.get("result")!;
  return { id, resultStart, resultEnd };
}
