/**
 * The README and the pages in docs/ point at each other and into the tree by relative links, many with an
 * #anchor into a heading. A moved file or a reworded heading breaks such a link without a sound (GitHub
 * just lands at the top of the page), so every one is checked here against the files and the headings that
 * exist. Anchors follow GitHub's rule: the heading's text, lowercased, punctuation other than '-' and '_'
 * removed, each space made a '-', and "-1", "-2", ... after a repeated heading.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../setup/paths.ts";

/** Generated from the settings table in code, by its own script; it may not exist yet in a fresh branch. */

const PAGES = [
  join(REPO_ROOT, "README.md"),
  ...readdirSync(join(REPO_ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join(REPO_ROOT, "docs", name)),
];

interface Link {
  line: number;
  target: string;
}

/** Each line of a page, with fenced code blocks emptied: a `[x](y)` or `# x` inside code is neither link nor heading. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return "";
    }
    return fenced ? "" : line;
  });
}

/** The anchor GitHub gives a heading's text. */
function githubAnchor(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

/** Every anchor a page offers, repeated headings numbered as GitHub numbers them. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = githubAnchor(heading[1]!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Inline links and images, and reference definitions; code spans are skipped. */
function linksOf(markdown: string): Link[] {
  const links: Link[] = [];
  proseLines(markdown).forEach((text, index) => {
    const line = text.replace(/`[^`]*`/g, "");
    for (const match of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      links.push({ line: index + 1, target: match[1]! });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/.exec(line);
    if (definition) links.push({ line: index + 1, target: definition[1]! });
  });
  return links;
}

const isExternal = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

/** Where a relative link lands: the file (absolute) and the anchor, if any. */
function resolveLink(page: string, target: string): { file: string; anchor: string | undefined } {
  const hash = target.indexOf("#");
  const path = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? undefined : decodeURIComponent(target.slice(hash + 1));
  return { file: path === "" ? page : resolve(dirname(page), path), anchor };
}

/**
 * What is wrong with a page's relative links, one line per broken link. `markdown` is the page's text
 * (read from `page` when not given).
 */
function brokenLinks(page: string, markdown = readFileSync(page, "utf8")): string[] {
  const problems: string[] = [];
  const where = relative(REPO_ROOT, page);
  for (const { line, target } of linksOf(markdown)) {
    if (isExternal(target)) continue;
    const { file, anchor } = resolveLink(page, target);
    if (file !== page && !existsSync(file)) {
      problems.push(`${where}:${line}: ${target}: no file ${relative(REPO_ROOT, file)}`);
      continue;
    }
    // Anchors into source files (#L12) are GitHub's line links, not headings.
    if (anchor === undefined || !file.endsWith(".md")) continue;
    const text = file === page ? markdown : readFileSync(file, "utf8");
    if (!anchorsOf(text).has(anchor)) problems.push(`${where}:${line}: ${target}: no heading with anchor #${anchor}`);
  }
  return problems;
}

describe("GitHub's heading anchors", () => {
  test("punctuation other than '-' and '_' goes, spaces become '-'", () => {
    expect(githubAnchor("Quick start (the seed's calls, verbatim)")).toBe("quick-start-the-seeds-calls-verbatim");
    expect(githubAnchor("`POST /sessions` — create a session")).toBe("post-sessions--create-a-session");
    expect(githubAnchor("`client_capabilities` at `POST /sessions`")).toBe("client_capabilities-at-post-sessions");
    expect(githubAnchor("The MCP endpoint of a session: `/sessions/{id}/mcp`")).toBe("the-mcp-endpoint-of-a-session-sessionsidmcp");
  });

  test("a repeated heading gets -1, -2; headings inside code blocks do not count", () => {
    const anchors = anchorsOf("# Known gaps\n\n## Known gaps\n\n```bash\n# not a heading\n```\n");
    expect([...anchors]).toEqual(["known-gaps", "known-gaps-1"]);
  });

  test("the checker reports a missing file and a missing heading, and ignores links in code", () => {
    const page = join(REPO_ROOT, "docs", "example.md");
    const markdown = "# Title\n\n[ok](#title) [gone](no-such-page.md) [bad](../README.md#no-such-heading) `[code](nowhere.md)`\n";
    expect(brokenLinks(page, markdown)).toEqual([
      "docs/example.md:3: no-such-page.md: no file docs/no-such-page.md",
      "docs/example.md:3: ../README.md#no-such-heading: no heading with anchor #no-such-heading",
    ]);
  });
});

describe("relative links in README.md and docs/", () => {
  for (const page of PAGES) {
    test(`${relative(REPO_ROOT, page)}: every relative link points at a file and heading that exist`, () => {
      expect(brokenLinks(page)).toEqual([]);
    });
  }
});
