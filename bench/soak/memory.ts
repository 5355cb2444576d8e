/**
 * The station's memory over a soak: its RSS (VmRSS) at chosen moments, and over each round of load
 * the lowest and highest of readings taken every second. No garbage collection can be forced in
 * the station's process, and one reading lands anywhere in the collector's cycle (after the rounds
 * of one 10-minute run, single readings went up and down between 91 and 108 MB with no trend), so
 * the leak check compares floors: the RSS the collector got back down to in a round. A leak per
 * request, per session or per restart raises the floor round after round.
 *
 * @example
 *   const rss = new RssLog(station);
 *   rss.record("start");
 *   await rss.during("round 1", runLoad(call, options));
 *   rss.growth(0.1); // undefined on a plateau
 */
import type { SoakStation } from "./station.ts";

export interface RssFigure {
  when: string;
  pid: number;
  kb: number;
  floorKb: number;
  peakKb: number;
}

export class RssLog {
  readonly figures: RssFigure[] = [];

  constructor(private readonly station: SoakStation) {}

  record(when: string): void {
    const kb = this.station.rssKb();
    this.figures.push({ when, pid: this.station.pid, kb, floorKb: kb, peakKb: kb });
  }

  /** Waits for `work`, reading the RSS every second meanwhile; the figure recorded after it has their floor and peak. */
  async during<T>(when: string, work: Promise<T>): Promise<T> {
    const readings: number[] = [];
    const read = () => {
      const kb = this.station.rssKb();
      if (kb > 0) readings.push(kb); // 0 while a killed station is being replaced
    };
    const timer = setInterval(read, 1000);
    try {
      return await work;
    } finally {
      clearInterval(timer);
      read();
      this.figures.push({
        when,
        pid: this.station.pid,
        kb: readings.at(-1) ?? 0,
        floorKb: Math.min(...readings),
        peakKb: Math.max(...readings),
      });
    }
  }

  /**
   * Why the figures fail the plateau check, if they do: the last round's floor against that of the
   * first full round on the same station process (the round it was restarted in only warms it up).
   */
  growth(margin: number): string | undefined {
    const rounds = this.figures.filter((r) => r.when.startsWith("round "));
    const last = rounds.at(-1);
    const first = rounds.filter((r) => r.pid === last?.pid)[1];
    if (!first || !last || first === last || last.floorKb <= first.floorKb * (1 + margin)) return undefined;
    return `the RSS floor grew from ${first.floorKb} kB in ${first.when} to ${last.floorKb} kB in ${last.when} (over ${margin * 100}%)`;
  }

  lines(): string[] {
    const kb = (n: number) => `${String(n).padStart(7)} kB`;
    return [
      `  ${"".padEnd(18)} ${"end".padStart(10)} ${"floor".padStart(10)} ${"peak".padStart(10)}`,
      ...this.figures.map((r) => `  ${r.when.padEnd(18)} ${kb(r.kb)} ${kb(r.floorKb)} ${kb(r.peakKb)}  (pid ${r.pid})`),
    ];
  }
}
