/**
 * How deep a parsed JSON value nests. MCP params nest a few levels; a body
 * nested thousands deep is an attack on whatever walks it next (a server's
 * recursive parser, a validator), so the station refuses it up front.
 *
 * @example
 *   exceedsDepth({ a: [[1]] }, 2)   // true
 */

/** Whether `value` nests deeper than `max` levels of objects and arrays. Iterative: it cannot overflow the stack itself. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** Deepest nesting accepted in a request body: MCP params nest a few levels, so 64 leaves room. */
export const MAX_BODY_DEPTH = 64;
