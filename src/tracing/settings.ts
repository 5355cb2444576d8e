/**
 * Whether and how to trace, from the standard OTEL_* variables, so the
 * station points at whatever collector people already run. Tracing is off
 * unless an OTLP endpoint is given (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or OTEL_TRACES_EXPORTER=otlp asks for
 * the default one; OTEL_SDK_DISABLED=true and OTEL_TRACES_EXPORTER=none turn
 * it off whatever else is set.
 *
 * Read here: the switch, the endpoint, the sampler, the propagators and the
 * batch settings (SDK 3.x no longer reads OTEL_TRACES_SAMPLER or OTEL_BSP_*
 * itself). Read by the SDK from process.env: the exporter's headers, timeout
 * and compression, and OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES. A value this file cannot
 * honour is a warning and the specification's default, never a refusal to
 * start: tracing must not take the gateway down.
 *
 * @example
 *   readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.01" })
 *   // -> { enabled: true, sampler: { name: "parentbased_traceidratio", ratio: 0.01 }, endpoint: "http://collector:4318/v1/traces", … }
 */

export type Env = Record<string, string | undefined>;

export const SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export type Propagator = "tracecontext" | "baggage";

export interface BatchSettings {
  scheduledDelayMillis?: number;
  maxQueueSize?: number;
  maxExportBatchSize?: number;
  exportTimeoutMillis?: number;
}

export type TracingSettings =
  | { enabled: false; reason: string }
  | {
      enabled: true;
      sampler: { name: SamplerName; ratio: number };
      propagators: Propagator[];
      batch: BatchSettings;
      /** Where spans are posted: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as given, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces. */
      url: string;
      /** The same for the start log, without user, password or query. */
      endpoint: string;
      warnings: string[];
    };

const DEFAULT_ENDPOINT = "http://localhost:4318";

export function readTracingSettings(env: Env): TracingSettings {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return { enabled: false, reason: "OTEL_SDK_DISABLED=true" };
  const exporters = list(env.OTEL_TRACES_EXPORTER);
  if (exporters.includes("none")) return { enabled: false, reason: "OTEL_TRACES_EXPORTER=none" };
  const endpointGiven = Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
  if (!exporters.includes("otlp") && !(exporters.length === 0 && endpointGiven)) {
    return { enabled: false, reason: exporters.length ? `OTEL_TRACES_EXPORTER=${exporters.join(",")}` : "no OTLP endpoint set" };
  }
  const warnings: string[] = [];
  const unsupported = exporters.filter((name) => name !== "otlp");
  if (unsupported.length) warnings.push(`OTEL_TRACES_EXPORTER: only otlp is supported; ignored ${unsupported.join(", ")}`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  if (protocol && protocol !== "http/protobuf") {
    warnings.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; spans are sent as http/protobuf (a collector takes it on 4318)`,
    );
  }
  return {
    enabled: true,
    sampler: readSampler(env, warnings),
    propagators: readPropagators(env, warnings),
    batch: {
      scheduledDelayMillis: count(env, "OTEL_BSP_SCHEDULE_DELAY", warnings),
      maxQueueSize: count(env, "OTEL_BSP_MAX_QUEUE_SIZE", warnings),
      maxExportBatchSize: count(env, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", warnings),
      exportTimeoutMillis: count(env, "OTEL_BSP_EXPORT_TIMEOUT", warnings),
    },
    url: tracesUrl(env),
    endpoint: withoutCredentials(tracesUrl(env)),
    warnings,
  };
}

function readSampler(env: Env, warnings: string[]): { name: SamplerName; ratio: number } {
  const given = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  let name: SamplerName = "parentbased_always_on";
  if (given && (SAMPLERS as readonly string[]).includes(given)) name = given as SamplerName;
  else if (given) warnings.push(`OTEL_TRACES_SAMPLER=${given} is not supported; using parentbased_always_on`);
  let ratio = 1;
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (arg && name.endsWith("traceidratio")) {
    const parsed = Number(arg);
    if (Number.isFinite(parsed) && parsed >= 0 && parsed <= 1) ratio = parsed;
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG=${arg} is not a ratio between 0 and 1; using 1`);
  }
  return { name, ratio };
}

function readPropagators(env: Env, warnings: string[]): Propagator[] {
  const given = list(env.OTEL_PROPAGATORS);
  if (given.length === 0) return ["tracecontext", "baggage"];
  if (given.includes("none")) return [];
  const known = given.filter((name): name is Propagator => name === "tracecontext" || name === "baggage");
  const unknown = given.filter((name) => name !== "tracecontext" && name !== "baggage");
  if (unknown.length) warnings.push(`OTEL_PROPAGATORS: only tracecontext and baggage are supported; ignored ${unknown.join(", ")}`);
  return known;
}

function count(env: Env, name: string, warnings: string[]): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (Number.isInteger(value) && value > 0) return value;
  warnings.push(`${name}=${raw} is not a positive integer; using the default`);
  return undefined;
}

function list(raw: string | undefined): string[] {
  return (raw ?? "")
    .split(",")
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
}

/** The URL spans are posted to, derived as the OTLP/HTTP exporter specification says. */
function tracesUrl(env: Env): string {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (signal) return signal;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || DEFAULT_ENDPOINT;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}

/** For the log: OTEL_EXPORTER_OTLP_HEADERS is never shown, and neither is a credential in the URL. */
function withoutCredentials(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(not a URL)";
  }
}
