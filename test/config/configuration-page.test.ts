/**
 * docs/configuration.md is rendered from the settings table; a setting added,
 * changed or removed in code without rendering the page again fails here.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { CONFIGURATION_PAGE, REGENERATE, renderConfigurationPage } from "../../src/config/render-docs.ts";
import { SETTINGS } from "../../src/config/settings.ts";
import { REPO_ROOT } from "../setup/paths.ts";

describe("docs/configuration.md", () => {
  test("is the settings table rendered", () => {
    const onDisk = readFileSync(join(REPO_ROOT, CONFIGURATION_PAGE), "utf8");
    const rendered = renderConfigurationPage();
    if (onDisk !== rendered) console.error(`${CONFIGURATION_PAGE} disagrees with the settings table in src/config/: run \`${REGENERATE}\``);
    expect(onDisk).toBe(rendered);
  });

  test("names every setting once", () => {
    const page = renderConfigurationPage();
    for (const setting of Object.values(SETTINGS)) expect(page.split(`| \`${setting.name}\` `).length - 1).toBe(1);
  });
});

describe("the settings table", () => {
  const rows = Object.values(SETTINGS);

  test("has one row per variable, each a station setting or LOG_LEVEL", () => {
    const names = rows.map((setting) => setting.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^(MCP_STATION_[A-Z0-9_]+|LOG_LEVEL)$/);
  });

  test("every default fits its own type, and every meaning is one sentence", () => {
    for (const setting of rows) {
      if (setting.default !== undefined)
        expect({ name: setting.name, fits: Value.Check(setting.schema, setting.default) }).toEqual({ name: setting.name, fits: true });
      expect(setting.meaning).toMatch(/^[A-Z`].*\.$/);
      expect(setting.meaning.replace(/`[^`]*`|\([^)]*\)|e\.g\./g, "").slice(0, -1)).not.toContain(". ");
    }
  });

  test("an unset or blank variable reads as the default", () => {
    for (const setting of rows) {
      expect(setting.read(undefined)).toEqual(setting.default);
      expect(setting.read("  ")).toEqual(setting.default);
    }
  });
});
