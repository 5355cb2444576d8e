/**
 * The import graph of src/, checked on every run: no cycles (type-only imports
 * count, since a type cycle is the same knot for a reader), and the layers
 * depend one way (docs/architecture.md):
 *
 *   HTTP (modules, plugins, http)  ->  sessions, store, ...  ->  process + jsonrpc (pure)
 *
 * A new cycle or a dependency against the grain fails here with the path that
 * makes it, instead of being papered over by declaration order.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const SRC = join(ROOT, "src");

/** Every specifier a file imports or re-exports, static or dynamic, type-only included. */
export function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) specifiers.push(match[1]!);
  return specifiers;
}

interface Graph {
  /** src-relative file -> src-relative files it imports. */
  edges: Map<string, string[]>;
  /** src-relative file -> bare packages it imports (elysia, jose, node:fs, ...). */
  packages: Map<string, string[]>;
}

function buildGraph(): Graph {
  const files = [...new Bun.Glob("**/*.ts").scanSync(SRC)].sort();
  const edges = new Map<string, string[]>();
  const packages = new Map<string, string[]>();
  for (const file of files) {
    const local: string[] = [];
    const bare: string[] = [];
    for (const specifier of importsOf(readFileSync(join(SRC, file), "utf8"))) {
      if (specifier.startsWith(".")) local.push(normalize(join(dirname(file), specifier)));
      else bare.push(specifier);
    }
    edges.set(file, local);
    packages.set(file, bare);
  }
  return { edges, packages };
}

/** Tarjan's strongly connected components; any with more than one file (or a self-import) is a cycle. */
export function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of edges.get(node) ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, indices.get(next)!));
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (edges.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of edges.keys()) if (!indices.has(node)) visit(node);
  return found;
}

/** The folder under src/ a file belongs to; a top-level file is a layer of its own ("errors.ts" -> "errors"). */
const folderOf = (file: string) => (file.includes("/") ? file.slice(0, file.indexOf("/")) : file.replace(/\.ts$/, ""));
const moduleOf = (file: string) => (file.startsWith("modules/") ? file.split("/")[1] : undefined);

/** What each layer may import from src/ besides its own folder: the arrows of docs/architecture.md. */
const MAY_IMPORT: Record<string, string[]> = {
  jsonrpc: ["errors"],
  process: ["errors", "log"],
  protocol: ["errors", "jsonrpc", "log"],
  // A remote link reads the JSON-RPC messages it carries (answer-stream.ts), as the protocol layer above jsonrpc does.
  remote: ["errors", "jsonrpc", "log", "process", "protocol"],
};
/** Layers below HTTP: they never see the web framework nor the HTTP layer. */
const BELOW_HTTP = [
  "jsonrpc",
  "process",
  "remote",
  "pins",
  "secrets",
  "protocol",
  "sessions",
  "store",
  "cluster",
  "registry",
  "security",
  "metrics",
  "health",
  "config",
  "tracing",
];
const HTTP_LAYER = ["modules", "plugins", "http", "app", "index"];

describe("the import graph of src/", () => {
  const graph = buildGraph();

  test("every relative import names a file that exists", () => {
    const missing: string[] = [];
    for (const [file, targets] of graph.edges)
      for (const target of targets) if (!graph.edges.has(target)) missing.push(`${file} -> ${target}`);
    expect(missing).toEqual([]);
  });

  test("has no cycles, type-only imports included", () => {
    // Each cycle is shown as the imports inside it, so the edge to cut is in the failure message.
    const knots = cycles(graph.edges).map((component) =>
      component.flatMap((file) =>
        (graph.edges.get(file) ?? []).filter((target) => component.includes(target)).map((target) => `${file} -> ${target}`),
      ),
    );
    expect(knots).toEqual([]);
  });

  test("the pure and process layers import only what sits below them", () => {
    const against: string[] = [];
    for (const [file, targets] of graph.edges) {
      const allowed = MAY_IMPORT[folderOf(file)];
      if (!allowed) continue;
      for (const target of targets) {
        const folder = folderOf(target);
        if (folder !== folderOf(file) && !allowed.includes(folder)) against.push(`${file} -> ${target}`);
      }
    }
    expect(against).toEqual([]);
  });

  test("nothing below the HTTP layer imports it or the web framework", () => {
    const against: string[] = [];
    for (const [file, targets] of graph.edges) {
      if (!BELOW_HTTP.includes(folderOf(file))) continue;
      for (const target of targets) if (HTTP_LAYER.includes(folderOf(target))) against.push(`${file} -> ${target}`);
      for (const name of graph.packages.get(file) ?? [])
        if (name === "elysia" || name.startsWith("@elysiajs/")) against.push(`${file} -> ${name}`);
    }
    expect(against).toEqual([]);
  });

  test("a feature module never imports another feature module", () => {
    const against: string[] = [];
    for (const [file, targets] of graph.edges) {
      const own = moduleOf(file);
      if (own === undefined) continue;
      for (const target of targets) {
        const other = moduleOf(target);
        if (other !== undefined && other !== own) against.push(`${file} -> ${target}`);
      }
    }
    expect(against).toEqual([]);
  });

  test("nothing imports the entry point, the only file with side effects", () => {
    const importers = [...graph.edges].filter(([, targets]) => targets.includes("index.ts")).map(([file]) => file);
    expect(importers).toEqual([]);
  });
});

describe("the checker itself", () => {
  test("finds a cycle of three and a self-import, and nothing in a tree", () => {
    const knot = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["d.ts"]],
      ["e.ts", ["a.ts"]],
    ]);
    expect(cycles(knot)).toEqual([["a.ts", "b.ts", "c.ts"], ["d.ts"]]);
    expect(
      cycles(
        new Map([
          ["x.ts", ["y.ts"]],
          ["y.ts", []],
        ]),
      ),
    ).toEqual([]);
  });

  test("reads type-only, re-export, side-effect and dynamic imports, and skips comments", () => {
    const source = [
      'import type { A } from "./a.ts";',
      'import {\n  B,\n  type C,\n} from "../b.ts";',
      'export { D } from "./d.ts";',
      'import "./side.ts";',
      'const e = await import("./e.ts");',
      '// import { F } from "./f.ts";',
      '/* import { G } from "./g.ts"; */',
    ].join("\n");
    expect(importsOf(source)).toEqual(["./a.ts", "../b.ts", "./d.ts", "./side.ts", "./e.ts"]);
  });
});
