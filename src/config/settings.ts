/**
 * Every setting the station reads: one row each, with its variable, type,
 * default and meaning, grouped by section in sections/. The loader (load.ts)
 * reads them all, and docs/configuration.md is rendered from this table
 * (`npm run docs:config`; a test fails when the two disagree). A new setting
 * is a new row in its section.
 */
import { cluster } from "./sections/cluster.ts";
import { core } from "./sections/core.ts";
import { live } from "./sections/live.ts";
import { operations } from "./sections/operations.ts";
import { security } from "./sections/security.ts";
import type { Section } from "./setting.ts";

/** Section headings of the page, in its order. */
export const SECTIONS: Record<Section, string> = {
  core: "Core: HTTP, processes, requests",
  security: "Security",
  live: "Live channels and MCP endpoints",
  operations: "Operations: store, health, restarts",
  cluster: "Cluster: several stations on one PostgreSQL",
};

export const SETTINGS = { ...core, ...security, ...live, ...operations, ...cluster };
