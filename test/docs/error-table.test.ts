/**
 * docs/api.md's table of station errors is written by hand for readers; the
 * statuses and codes it shows must be the ones src/errors/codes.ts sends.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { STATION_ERRORS } from "../../src/errors/codes.ts";

const page = readFileSync(join(import.meta.dir, "..", "..", "docs", "api.md"), "utf8");

/** Rows of the form `| 409  | -32002 | \`session_not_running\` | … |`. */
function documentedRows(): Map<string, { status: number; code: number }> {
  const rows = new Map<string, { status: number; code: number }>();
  for (const match of page.matchAll(/^\|\s*(\d{3})\s*\|\s*(-\d+)\s*\|\s*`([a-z_]+)`\s*\|/gm)) {
    rows.set(match[3]!, { status: Number(match[1]), code: Number(match[2]) });
  }
  return rows;
}

test("docs/api.md lists every station error with the status and code the station sends", () => {
  const documented = documentedRows();
  const expected = new Map(Object.entries(STATION_ERRORS).map(([type, row]) => [type, { status: row.status, code: row.code }]));
  expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected));
});
