/**
 * Logging: Scrapy's line format and levels, a pluggable sink, and `log_count/<LEVEL>` stats.
 */
import type { LogLevel } from '../settings.js';
import type { StatsCollector } from './stats.js';

const rank: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };

/** One log event, as a sink receives it. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  /** Who logged: `teinei.engine`, `partnerA`, … */
  source: string;
  message: string;
  error?: unknown;
}

/** Where log records go. The default writes Scrapy-style lines to stderr. */
export type LogSink = (record: LogRecord) => void;

/** Formats a record as `2026-11-27 06:30:00 [source] LEVEL: message`, with the error's stack when given. */
export function formatLogRecord(record: LogRecord): string {
  const t = record.time;
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}:${pad(t.getSeconds())}`;
  let line = `${stamp} [${record.source}] ${record.level}: ${record.message}`;
  if (record.error instanceof Error && record.error.stack) line += `\n${record.error.stack}`;
  return line;
}

/** The default sink: one formatted line per record on stderr. */
export const stderrSink: LogSink = (record) => {
  process.stderr.write(formatLogRecord(record) + '\n');
};

/** A leveled logger. Children share the level, sink and stats of their parent. */
export class Logger {
  private readonly minRank: number;

  constructor(
    readonly source: string,
    readonly level: LogLevel,
    private readonly sink: LogSink = stderrSink,
    private readonly stats?: StatsCollector,
  ) {
    this.minRank = rank[level];
  }

  /** A logger for a part of the same crawler: `partnerA` → `partnerA.retry`. */
  child(name: string): Logger {
    return new Logger(`${this.source}.${name}`, this.level, this.sink, this.stats);
  }

  /** Whether a level would be written (avoid building costly messages when not). */
  enabled(level: LogLevel): boolean {
    return rank[level] >= this.minRank;
  }

  /** Logs a message; an error given with it is shown with its stack. */
  log(level: LogLevel, message: string, error?: unknown): void {
    if (rank[level] < this.minRank) return;
    this.stats?.inc(`log_count/${level}`);
    this.sink({ time: new Date(), level, source: this.source, message, error });
  }

  debug(message: string, error?: unknown): void {
    this.log('DEBUG', message, error);
  }
  info(message: string, error?: unknown): void {
    this.log('INFO', message, error);
  }
  warning(message: string, error?: unknown): void {
    this.log('WARNING', message, error);
  }
  error(message: string, error?: unknown): void {
    this.log('ERROR', message, error);
  }
  critical(message: string, error?: unknown): void {
    this.log('CRITICAL', message, error);
  }
}
