/**
 * axe-core (Deque's accessibility engine) in a page, on the WCAG 2.1 A and AA
 * rules. Its script is injected from node_modules, so the page's context must
 * bypass the CSP (`bypassCSP: true`): the console itself never relaxes it.
 */
import { join } from "node:path";
import type { Page } from "playwright-core";
import { REPO_ROOT } from "../setup/paths.ts";

const AXE = join(REPO_ROOT, "node_modules", "axe-core", "axe.min.js");

interface Violation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/** Each violation on the page as one line naming `screen`; none: []. */
export async function violations(page: Page, screen: string): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const found = (await page.evaluate(
    "axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }).then((r) => r.violations)",
  )) as Violation[];
  return found.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
