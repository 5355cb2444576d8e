/**
 * The process and runtime metrics (process_*, nodejs_*) that prom-client's
 * collectDefaultMetrics exports, without the ones that are wrong under Bun:
 * the heap space gauges read 0, and the active-handle gauges end in _total,
 * which `promtool check metrics` flags (a gauge must not look like a counter).
 *
 * Registered collector by collector, from prom-client's own modules, rather
 * than through the package's index and collectDefaultMetrics: those also
 * load its Pushgateway (node:http, node:https, node:zlib), node:v8 for the
 * heap spaces, and @opentelemetry/api for exemplars the station does not
 * use, 4.5 MB of the station's idle RSS (bench/ab.ts). The CPU counters are
 * written here for that last reason: prom-client's module for them is the
 * one that loads @opentelemetry/api.
 *
 * @example
 *   registerProcessMetrics(registry); // once per process: the figures are the process's
 */
import type { Registry } from "prom-client";
import Counter from "prom-client/lib/counter.js";
import eventLoopLag from "prom-client/lib/metrics/eventLoopLag.js";
import gc from "prom-client/lib/metrics/gc.js";
import heapSizeAndUsed from "prom-client/lib/metrics/heapSizeAndUsed.js";
import osMemoryHeap from "prom-client/lib/metrics/osMemoryHeap.js";
import processMaxFileDescriptors from "prom-client/lib/metrics/processMaxFileDescriptors.js";
import processOpenFileDescriptors from "prom-client/lib/metrics/processOpenFileDescriptors.js";
import processStartTime from "prom-client/lib/metrics/processStartTime.js";
import version from "prom-client/lib/metrics/version.js";

export function registerProcessMetrics(registry: Registry): void {
  registerCpu(registry);
  processStartTime(registry);
  osMemoryHeap(registry);
  processOpenFileDescriptors(registry);
  processMaxFileDescriptors(registry);
  // collectDefaultMetrics' own default precision, in ms.
  eventLoopLag(registry, { eventLoopMonitoringPrecision: 10 });
  heapSizeAndUsed(registry);
  version(registry);
  gc(registry);
}

/** process_cpu_{user,system}_seconds_total and process_cpu_seconds_total, as prom-client counts them: from registration on. */
function registerCpu(registry: Registry): void {
  let last = process.cpuUsage();
  const system = new Counter({ name: "process_cpu_system_seconds_total", help: "Total system CPU time spent in seconds.", registers: [] });
  const total = new Counter({ name: "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", registers: [] });
  // The user counter is registered first, as prom-client does: its collect() updates all three before any is written out.
  new Counter({
    name: "process_cpu_user_seconds_total",
    help: "Total user CPU time spent in seconds.",
    registers: [registry],
    collect() {
      const now = process.cpuUsage();
      const user = (now.user - last.user) / 1e6;
      const sys = (now.system - last.system) / 1e6;
      last = now;
      this.inc(user);
      system.inc(sys);
      total.inc(user + sys);
    },
  });
  registry.registerMetric(system);
  registry.registerMetric(total);
}
