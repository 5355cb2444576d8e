/**
 * A small structured logger: one JSON object per line on stdout, filtered by
 * level. Injected where it is needed so tests can capture or silence it.
 *
 * @example
 *   const log = createLogger("info");
 *   log.info("session created", { session_id, pid });
 */
import { writeSync } from "node:fs";
import { activeTraceIds } from "./tracing/log-ids.ts";

/** The levels LOG_LEVEL may name, quietest last; the settings table (src/config/settings.ts) reads them from here. */
export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Lines for stdout, written together every `intervalMs` (or once `maxBytes`
 * are waiting): a write per line, and then a write per event-loop turn, were
 * the largest single cost of a busy /mcp/request (bench/profile.ts: 8% of its
 * samples were stdout writes at one per turn). Flushed synchronously at exit,
 * so the last lines before process.exit are not lost.
 */
export function batchedStdout(maxBytes = 64 * 1024, intervalMs = 50): ((line: string) => void) & { flush(): void } {
  let pending = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const text = pending;
    pending = "";
    process.stdout.write(text);
  };
  process.on("exit", () => {
    if (!pending) return;
    try {
      writeSync(1, pending);
    } catch {
      // stdout is gone (a closed pipe): nothing left to tell.
    }
    pending = "";
  });
  return Object.assign(
    (line: string) => {
      pending += line;
      if (pending.length >= maxBytes) return flush();
      // Unreferenced: waiting lines never keep the process alive (the exit handler writes them).
      timer ??= setTimeout(flush, intervalMs).unref();
    },
    { flush },
  );
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = RANK[level];
  // A busy station writes many lines in one millisecond: format each millisecond's time once.
  let lastMs = Number.NaN;
  let lastTime = "";
  const timeOf = (ms: number) => {
    if (ms !== lastMs) {
      lastMs = ms;
      lastTime = new Date(ms).toISOString();
    }
    return lastTime;
  };
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Fields) => {
    if (RANK[lvl] < threshold) return;
    // With tracing on, a line written while a span is active names it, so a line leads to its trace and back.
    const ids = activeTraceIds();
    const traced = ids ? `,"trace_id":"${ids.trace_id}","span_id":"${ids.span_id}"` : "";
    const head = `{"time":"${timeOf(Date.now())}","level":"${lvl}","msg":${JSON.stringify(msg)}${traced}`;
    if (fields === undefined) return write(`${head}}\n`);
    if (fields.err instanceof Error) fields = { ...fields, err: { message: fields.err.message, stack: fields.err.stack } };
    // The fields' own JSON spliced after the head: no merged copy of them per line (one per request, request-log.ts).
    const rest = JSON.stringify(fields);
    write(rest === "{}" ? `${head}}\n` : `${head},${rest.slice(1)}\n`);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    enabled: (lvl) => RANK[lvl] >= threshold,
  };
}

export const silentLogger: Logger = createLogger("silent", () => {});
