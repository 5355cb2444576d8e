/**
 * Turns tracing on at start when the OTEL_* variables ask for it
 * (settings.ts), and off again at shutdown after the last spans are sent.
 * Called once by src/index.ts before the app is built.
 *
 * @example
 *   const tracing = await startTracing(process.env, log, VERSION);
 *   // ... at SIGTERM, after the servers are stopped:
 *   await tracing.shutdown();
 */
import type { Logger } from "../log.ts";
import { installRuntime } from "./runtime.ts";
import { type Env, readTracingSettings } from "./settings.ts";

export interface Tracing {
  enabled: boolean;
  /** Sends the spans still queued. */
  flush(): Promise<void>;
  /** Sends what is queued and turns tracing off. */
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: async () => {}, shutdown: async () => {} };

export async function startTracing(env: Env, log: Logger, version: string): Promise<Tracing> {
  const settings = readTracingSettings(env);
  if (!settings.enabled) return OFF;
  for (const warning of settings.warnings) log.warn(warning);
  // Imported here, not at the top: a station that does not trace never loads the SDK.
  const { startSdk } = await import("./sdk.ts");
  const sdk = startSdk(settings, log, version);
  installRuntime(sdk.runtime);
  log.info("tracing on", {
    endpoint: settings.endpoint,
    sampler: settings.sampler.name,
    sampler_ratio: settings.sampler.name.endsWith("traceidratio") ? settings.sampler.ratio : undefined,
    propagators: settings.propagators,
  });
  return {
    enabled: true,
    flush: sdk.flush,
    shutdown: async () => {
      await sdk.shutdown();
      installRuntime(undefined);
    },
  };
}
