/**
 * A small structured logger: one JSON object per line on stdout, filtered by
 * level. Injected where it is needed so tests can capture or silence it.
 *
 * @example
 *   const log = createLogger("info");
 *   log.info("session created", { session_id, pid });
 */
import type { LogLevel } from "./config.ts";

export type Fields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line)): Logger {
  const threshold = RANK[level];
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: Fields) => {
    if (RANK[lvl] < threshold) return;
    const record: Fields = { time: new Date().toISOString(), level: lvl, msg, ...fields };
    if (fields?.err instanceof Error) record.err = { message: fields.err.message, stack: fields.err.stack };
    write(`${JSON.stringify(record)}\n`);
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
