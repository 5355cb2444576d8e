/** The fingerprint of a tool definition: what changes it, and what does not. */
import { expect, test } from "bun:test";
import { canonicalJson, toolFingerprint } from "../../src/pins/fingerprint.ts";

const tool = {
  name: "read",
  description: "Reads a file",
  inputSchema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
};

test("canonical JSON sorts keys at every depth and keeps array order", () => {
  expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
});

test("reordered keys and fields outside name, description and inputSchema do not change it", () => {
  const reordered = {
    inputSchema: { required: ["path"], properties: { path: { type: "string" } }, type: "object" },
    description: "Reads a file",
    name: "read",
  };
  expect(toolFingerprint(reordered)).toBe(toolFingerprint(tool));
  expect(toolFingerprint({ ...tool, title: "Read", annotations: { readOnlyHint: true } })).toBe(toolFingerprint(tool));
  expect(toolFingerprint(tool)).toMatch(/^sha256:[0-9a-f]{64}$/);
});

test("a changed word, a widened schema or a new name does", () => {
  const base = toolFingerprint(tool);
  expect(toolFingerprint({ ...tool, description: "Reads a file." })).not.toBe(base);
  expect(toolFingerprint({ ...tool, inputSchema: { ...tool.inputSchema, additionalProperties: true } })).not.toBe(base);
  expect(toolFingerprint({ ...tool, name: "read2" })).not.toBe(base);
  expect(toolFingerprint({ ...tool, description: undefined })).not.toBe(base);
});
