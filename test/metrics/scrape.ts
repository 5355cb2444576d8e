/**
 * Reads the Prometheus text format back, for tests that ask what a scrape
 * holds: its samples with their labels, and its families with their types.
 * Only what the station writes (no timestamps, no exemplars).
 *
 * @example
 *   const scrape = parseScrape(await (await fetch(`${url}/metrics`)).text());
 *   scrape.value("mcp_station_sessions", { status: "running" }); // 1
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export class Scrape {
  constructor(
    readonly samples: Sample[],
    /** Family name to its type (counter, gauge, histogram, ...), from the TYPE lines. */
    readonly families: Map<string, string>,
  ) {}

  /** The samples of `name` whose labels include `labels`. */
  select(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  /** The one sample of `name` whose labels are exactly `labels`; undefined when there is none. */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const wanted = Object.keys(labels).length;
    return this.select(name, labels).find((s) => Object.keys(s.labels).length === wanted)?.value;
  }

  /** The sum over the samples `select` finds. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.select(name, labels).reduce((total, s) => total + s.value, 0);
  }

  /** Every name a query may use: each sample's name, and each family's with a histogram's series names. */
  names(): Set<string> {
    const names = new Set(this.samples.map((s) => s.name));
    for (const [family, type] of this.families) {
      names.add(family);
      if (type === "histogram") for (const suffix of ["_bucket", "_sum", "_count"]) names.add(family + suffix);
      if (type === "summary") for (const suffix of ["_sum", "_count"]) names.add(family + suffix);
    }
    return names;
  }
}

export function parseScrape(text: string): Scrape {
  const samples: Sample[] = [];
  const families = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice("# TYPE ".length).split(" ");
      families.set(name, type);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? "").matchAll(LABEL)) labels[key] = raw.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return new Scrape(samples, families);
}
