/**
 * Types for the parts of prom-client the station imports one by one
 * (process-metrics.ts says why): each module exports what the package's
 * index re-exports under the same name.
 */
declare module "prom-client/lib/registry.js" {
  import { Registry } from "prom-client";
  export default Registry;
}
declare module "prom-client/lib/counter.js" {
  import { Counter } from "prom-client";
  export default Counter;
}
declare module "prom-client/lib/gauge.js" {
  import { Gauge } from "prom-client";
  export default Gauge;
}
declare module "prom-client/lib/histogram.js" {
  import { Histogram } from "prom-client";
  export default Histogram;
}

/** One of collectDefaultMetrics' collectors: registers its metrics into `registry`. */
type Collector = (registry: import("prom-client").Registry, config?: { eventLoopMonitoringPrecision?: number }) => void;
declare module "prom-client/lib/metrics/processStartTime.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/osMemoryHeap.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/processOpenFileDescriptors.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/processMaxFileDescriptors.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/eventLoopLag.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/heapSizeAndUsed.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/version.js" {
  const register: Collector;
  export default register;
}
declare module "prom-client/lib/metrics/gc.js" {
  const register: Collector;
  export default register;
}
