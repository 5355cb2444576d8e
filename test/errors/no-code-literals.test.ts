/**
 * Every JSON-RPC error code the station sends is named in one table, src/errors/codes.ts: no other file in
 * src/ writes one as a number. Comments may name a code (a protocol rule's prose); code may not.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Glob } from "bun";

const SRC = join(import.meta.dir, "../../src");
const TABLE = "errors/codes.ts";
const CODE_LITERAL = /-32\d{3}\b/;

/** The text with its comments blanked (a line comment, a block comment), so only code is searched. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (block) => block.replace(/[^\n]/g, " ")).replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

test("no JSON-RPC code literal in src/ outside the table", () => {
  const offenders: string[] = [];
  for (const path of new Glob("**/*.ts").scanSync(SRC)) {
    if (path === TABLE) continue;
    const lines = withoutComments(readFileSync(join(SRC, path), "utf8")).split("\n");
    lines.forEach((line, index) => {
      if (CODE_LITERAL.test(line)) offenders.push(`src/${path}:${index + 1}: ${line.trim()}`);
    });
  }
  expect(offenders).toEqual([]);
});

test("the check finds a literal in code and ignores one in a comment", () => {
  const sample = ["const a = { code: -32002 };", "// the spec answers -32601 here", "/* -32602 */ const b = 1;"].join("\n");
  const hits = withoutComments(sample)
    .split("\n")
    .filter((line) => CODE_LITERAL.test(line));
  expect(hits).toEqual(["const a = { code: -32002 };"]);
  expect(relative(SRC, join(SRC, TABLE))).toBe(TABLE);
});
