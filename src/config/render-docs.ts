/**
 * docs/configuration.md, rendered from the settings table: one Markdown table
 * per section, a row per setting. `npm run docs:config` writes the page;
 * test/config/configuration-page.test.ts fails when page and table disagree.
 *
 * @example
 *   bun run src/config/render-docs.ts   # rewrites docs/configuration.md
 */
import { writeFileSync } from "node:fs";
import type { TSchema } from "@sinclair/typebox";
import { SECTIONS, SETTINGS } from "./settings.ts";
import { KiB, MiB, type Section, type Setting } from "./setting.ts";

/** Where the page lives, from the repository's root. */
export const CONFIGURATION_PAGE = "docs/configuration.md";
export const REGENERATE = "npm run docs:config";

type Row = Setting<unknown> & { section: Section };

function typeOf(setting: Row): string {
  const schema = setting.schema as TSchema & { minimum?: number; maximum?: number; anyOf?: { const: string }[] };
  switch (setting.kind) {
    case "integer":
      return schema.maximum === undefined ? `integer ≥ ${schema.minimum}` : `integer ${schema.minimum}–${schema.maximum}`;
    case "choice":
      return schema.anyOf!.map((literal) => `\`${literal.const}\``).join(" \\| ");
    case "list":
      return "comma-separated list";
    case "json":
      return "JSON array";
    default:
      return "string";
  }
}

/** A size or a duration also in the unit a reader thinks in. */
function unitOf(name: string, value: number): string {
  if (name.endsWith("_BYTES") && value >= KiB) {
    if (value % MiB === 0) return ` (${value / MiB} MiB)`;
    if (value % KiB === 0) return ` (${value / KiB} KiB)`;
  }
  if (name.endsWith("_MS") && value >= 60_000 && value % 60_000 === 0) return ` (${value / 60_000} min)`;
  return "";
}

function defaultOf(setting: Row): string {
  if (setting.defaultText !== undefined) return setting.defaultText;
  const value = setting.default;
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return "none";
  if (typeof value === "number") return `\`${value}\`${unitOf(setting.name, value)}`;
  return `\`${String(value)}\``;
}

/** A Markdown table with its columns padded to one width, as the other pages are formatted. */
function table(header: string[], rows: string[][]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll("\n", " ")));
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(cells[0]!), `| ${widths.map((width) => "-".repeat(width)).join(" | ")} |`, ...cells.slice(1).map(line)].join("\n");
}

export function renderConfigurationPage(): string {
  const rows = Object.values(SETTINGS) as Row[];
  const sections = (Object.keys(SECTIONS) as Section[]).map((section) => {
    const mine = rows.filter((setting) => setting.section === section);
    const body = table(
      ["variable", "type", "default", "meaning"],
      mine.map((setting) => [`\`${setting.name}\``, typeOf(setting), defaultOf(setting), setting.meaning.replaceAll("|", "\\|")]),
    );
    return `## ${SECTIONS[section]}\n\n${body}\n`;
  });
  return [
    "# Configuration",
    "",
    `Which settings the station reads, of what type, with what default, and what each does. Generated from the settings table in \`src/config/sections/\` by \`${REGENERATE}\`: edit the table, not this page.`,
    "",
    "Every setting is an environment variable, read and validated once at start; a bad value stops the station with exit code 2 and a message naming it. Unset and blank mean the default. Bun loads `.env` from the working directory (the compiled binary too; it never reads `bunfig.toml`).",
    "",
    ...sections,
  ].join("\n");
}

if (import.meta.main) {
  writeFileSync(new URL(`../../${CONFIGURATION_PAGE}`, import.meta.url), renderConfigurationPage());
  console.log(`wrote ${CONFIGURATION_PAGE}`);
}
