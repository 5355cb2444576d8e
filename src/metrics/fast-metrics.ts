/**
 * Counters and histograms for the request hot path. prom-client hashes the
 * label set on every observation (about 0.9 µs for a counter plus a
 * histogram under Bun); these keep one cell per label set, found once and
 * then updated with plain arithmetic. They register into a prom-client
 * Registry as ordinary metrics (name, help, type, get), so the exposition
 * text is prom-client's.
 *
 * @example
 *   const h = new FastHistogram("x_seconds", "help", ["method"], [0.1, 1]);
 *   registry.registerMetric(h as never);
 *   const cell = h.cell(["tools/list"]);  // once per label set
 *   h.observe(cell, 0.02);                // per request
 */

type Labels = Record<string, string>;

interface Sample {
  metricName?: string;
  labels: Labels;
  value: number;
}

function labelsOf(names: readonly string[], values: readonly string[]): Labels {
  const labels: Labels = {};
  names.forEach((name, i) => {
    labels[name] = values[i];
  });
  return labels;
}

export class CounterCell {
  value = 0;
  constructor(readonly labels: Labels) {}
}

export class FastCounter {
  readonly type = "counter";
  private readonly cells = new Map<string, CounterCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The cell for these label values; keep it and call `cell.value += n`. */
  cell(values: readonly string[]): CounterCell {
    const key = values.join("\u0000");
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = new CounterCell(labelsOf(this.labelNames, values))));
    return cell;
  }

  get() {
    const values: Sample[] = [];
    for (const cell of this.cells.values()) values.push({ labels: cell.labels, value: cell.value });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }
}

export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(
    readonly labels: Labels,
    buckets: number,
  ) {
    this.counts = new Float64Array(buckets);
  }
}

export class FastHistogram {
  readonly type = "histogram";
  private readonly cells = new Map<string, HistogramCell>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
  ) {}

  cell(values: readonly string[]): HistogramCell {
    const key = values.join("\u0000");
    let cell = this.cells.get(key);
    if (!cell) this.cells.set(key, (cell = new HistogramCell(labelsOf(this.labelNames, values), this.buckets.length)));
    return cell;
  }

  observe(cell: HistogramCell, value: number): void {
    const buckets = this.buckets;
    // Counts per bucket (not cumulative); get() accumulates at scrape time.
    let i = 0;
    while (i < buckets.length && value > buckets[i]) i++;
    if (i < buckets.length) cell.counts[i] += 1;
    cell.sum += value;
    cell.count += 1;
  }

  get() {
    const values: Sample[] = [];
    for (const cell of this.cells.values()) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += cell.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { ...cell.labels, le: String(le) }, value: cumulative });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...cell.labels, le: "+Inf" }, value: cell.count });
      values.push({ metricName: `${this.name}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${this.name}_count`, labels: cell.labels, value: cell.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" };
  }
}
