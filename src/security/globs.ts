/**
 * The globs of the access rules: `*` any run of characters (a `/` too, so
 * `file:///data/public/*` covers the whole tree under it), `?` one; every
 * other character literal. The same syntax for tenants, servers, tool and
 * prompt names and resource URIs, so an operator learns one.
 *
 * @example
 *   new Globset(["get-*", "echo"]).matches("get-sum")                    // true
 *   new Globset(["file:///data/*"]).matches("file:///data/a/b.txt")      // true
 *   new Globset(["file:///data/*"]).mayMatchUnder("file:///data/a/")     // true: some URI under it matches
 */

/** `*` any run of characters, `?` one; everything else literal. */
function globToRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

/** The literal text a glob starts with: every match starts with it. */
function literalHead(glob: string): string {
  const wild = glob.search(/[*?]/);
  return wild === -1 ? glob : glob.slice(0, wild);
}

export class Globset {
  private readonly patterns: RegExp[];
  constructor(readonly globs: readonly string[]) {
    this.patterns = globs.map(globToRegExp);
  }

  matches(name: string): boolean {
    return this.patterns.some((pattern) => pattern.test(name));
  }

  /**
   * Whether some string starting with `prefix` could match: false only when every glob's literal head
   * disagrees with `prefix`. An over-estimate (`a*b` is said to fit under `ax` and might not), never an under-.
   */
  mayMatchUnder(prefix: string): boolean {
    return this.globs.some((glob) => {
      const head = literalHead(glob);
      return head === glob ? glob.startsWith(prefix) : head.startsWith(prefix) || prefix.startsWith(head);
    });
  }

  /** Whether every string starting with `prefix` matches: a glob that is a literal head and one trailing `*`, the head a prefix of `prefix`. */
  matchesAllUnder(prefix: string): boolean {
    return this.globs.some((glob) => {
      const head = literalHead(glob);
      return glob === `${head}*` && prefix.startsWith(head);
    });
  }
}
