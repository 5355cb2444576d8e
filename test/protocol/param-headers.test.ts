/**
 * The Mcp-Param-* checks of 2026-07-28 (SEP-2243) as pure functions: which
 * annotations count, how a header value is decoded, and each way a request
 * fails the tool's declarations, following the specification's table
 * ("Server Behavior for Custom Headers") and its value encoding.
 */
import { describe, expect, test } from "bun:test";
import { decodeParamValue, paramHeaderMismatch, paramHeaders } from "../../src/protocol/param-headers.ts";

const schema = {
  type: "object",
  properties: {
    region: { type: "string", "x-mcp-header": "Region" },
    priority: { type: "integer", "x-mcp-header": "Priority" },
    verbose: { type: "boolean", "x-mcp-header": "Verbose" },
    target: { type: "object", properties: { zone: { type: "string", "x-mcp-header": "Zone" } } },
    query: { type: "string" },
  },
};
const declared = paramHeaders(schema);
const check = (headers: Record<string, string>, args: Record<string, unknown>) => paramHeaderMismatch(new Headers(headers), declared, args);

describe("paramHeaders", () => {
  test("finds annotated primitives reached through properties alone, nested objects included", () => {
    expect(declared).toEqual([
      { name: "Region", path: ["region"] },
      { name: "Priority", path: ["priority"] },
      { name: "Verbose", path: ["verbose"] },
      { name: "Zone", path: ["target", "zone"] },
    ]);
  });

  test("ignores what a client would reject: non-token names, non-primitive types, names repeated without regard to case", () => {
    const invalid = paramHeaders({
      type: "object",
      properties: {
        spaced: { type: "string", "x-mcp-header": "My Region" },
        empty: { type: "string", "x-mcp-header": "" },
        object: { type: "object", "x-mcp-header": "Data" },
        list: { type: "array", items: { type: "string", "x-mcp-header": "Item" } },
        a: { type: "string", "x-mcp-header": "MyField" },
        b: { type: "string", "x-mcp-header": "myfield" },
        ok: { type: "string", "x-mcp-header": "Ok" },
      },
    });
    expect(invalid).toEqual([{ name: "Ok", path: ["ok"] }]);
    expect(paramHeaders(undefined)).toEqual([]);
  });
});

describe("decodeParamValue", () => {
  test("decodes the =?base64?…?= form strictly, and takes anything else literally when it is plain visible ASCII", () => {
    expect(decodeParamValue("us-west1")).toBe("us-west1");
    expect(decodeParamValue("=?base64?SGVsbG8sIOS4lueVjA==?=")).toBe("Hello, 世界");
    expect(decodeParamValue("=?base64?IHBhZGRlZCA=?=")).toBe(" padded ");
    expect(decodeParamValue("SGVsbG8=")).toBe("SGVsbG8=");
    expect(decodeParamValue("=?base64?SGVsbG8=")).toBe("=?base64?SGVsbG8=");
    expect(decodeParamValue("=?base64?SGVsbG8?=")).toBeUndefined(); // padding missing
    expect(decodeParamValue("=?base64?SGVs!!!bG8=?=")).toBeUndefined(); // not the alphabet
    expect(decodeParamValue("=?base64?/w==?=")).toBeUndefined(); // not UTF-8
    expect(decodeParamValue("caf\u00e9")).toBeUndefined(); // not ASCII
  });
});

describe("paramHeaderMismatch", () => {
  test("headers that match the body, decoded and compared by type, pass; header names are case-insensitive", () => {
    expect(
      check(
        {
          "MCP-PARAM-REGION": "=?base64?dXMtd2VzdDE=?=",
          "mcp-param-priority": "42.0",
          "Mcp-Param-Verbose": "false",
          "Mcp-Param-Zone": "b",
        },
        { region: "us-west1", priority: 42, verbose: false, target: { zone: "b" }, query: "q" },
      ),
    ).toBeUndefined();
  });

  test("a value in the body needs its header; null or absent values need none, and a header without a value is refused", () => {
    expect(check({}, { region: "us-west1" })).toBe("Header mismatch: the Mcp-Param-Region header is missing; region is in the body");
    expect(check({}, { region: null, priority: undefined })).toBeUndefined();
    expect(check({ "Mcp-Param-Verbose": "true" }, {})).toBe(
      "Header mismatch: the Mcp-Param-Verbose header is present but verbose has no value in the body",
    );
    expect(check({}, { target: { zone: "a" } })).toContain("Mcp-Param-Zone header is missing; target.zone is in the body");
  });

  test("a header that differs from the body, or is not well formed, is refused", () => {
    expect(check({ "Mcp-Param-Region": "eu" }, { region: "us" })).toBe(
      "Header mismatch: Mcp-Param-Region header value 'eu' does not match body value 'us'",
    );
    expect(check({ "Mcp-Param-Priority": "7" }, { priority: 42 })).toContain("does not match");
    expect(check({ "Mcp-Param-Priority": "forty-two" }, { priority: 42 })).toContain("does not match");
    expect(check({ "Mcp-Param-Verbose": "TRUE" }, { verbose: true })).toContain("does not match");
    expect(check({ "Mcp-Param-Region": "=?base64?SGVsbG8?=" }, { region: "Hello" })).toContain("is not valid");
    // A value of another type than the declared one cannot be mirrored: refused, not passed on.
    expect(check({ "Mcp-Param-Region": "[object Object]" }, { region: { a: 1 } })).toContain("does not match");
  });
});
