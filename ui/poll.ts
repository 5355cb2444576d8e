/** Polls `load` every `intervalMs` while the screen is shown: the latest value, or the latest error. */
import { useEffect, useState } from "preact/hooks";
import { describeError } from "./api.ts";

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number, deps: unknown[] = []) {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout>;
    const run = async () => {
      try {
        setValue(await load(controller.signal));
        setError(undefined);
      } catch (e) {
        if (!controller.signal.aborted) setError(describeError(e));
      }
      if (!controller.signal.aborted) timer = setTimeout(run, intervalMs);
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { value, error, refresh: () => setTick((t) => t + 1) };
}

export function age(iso: string | null | undefined): string {
  if (!iso) return "–";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}
