/**
 * A tool definition's fingerprint: SHA-256 over the canonical JSON of what
 * reaches the model and decides what a call may carry: the tool's `name`,
 * its `description` and its `inputSchema`. Canonical: object keys sorted at
 * every depth, no whitespace, so that a server that only reorders its JSON
 * does not look changed, and any change of a word or a schema keyword does.
 *
 * @example
 *   toolFingerprint({ name: "echo", description: "Echo", inputSchema: { type: "object" } })
 *   // "sha256:…" (64 hex digits)
 */
import { createHash } from "node:crypto";

/** The part of a tool that is pinned. */
export interface PinnedDefinition {
  name: string;
  description: string | null;
  inputSchema: unknown;
}

export function pinnedPart(tool: Record<string, unknown>): PinnedDefinition {
  return {
    name: String(tool.name),
    description: typeof tool.description === "string" ? tool.description : null,
    inputSchema: tool.inputSchema ?? null,
  };
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function toolFingerprint(tool: Record<string, unknown>): string {
  return `sha256:${createHash("sha256")
    .update(canonicalJson(pinnedPart(tool)))
    .digest("hex")}`;
}
