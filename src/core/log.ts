/**
 * Logging: Scrapy's line format (or JSON lines), levels, a pluggable sink, and `log_count/<LEVEL>` stats.
 */
import type { LogFormat, LogLevel, Settings } from '../settings.js';
import { createRedactor, type Redactor } from './redact.js';
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
  /**
   * The crawl's `logFormat`: how a sink that writes lines (stderrSink) renders this record. Set by
   * the crawler's sink, so a sink wrapped around stderrSink (the CLI's live line) follows the setting.
   */
  format?: LogFormat;
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

/**
 * Formats a record as one JSON object for log shippers:
 * `{"time":ISO-8601,"level","logger","message"}`, plus `"error":{name,message,stack}` when given.
 */
export function formatJsonLogRecord(record: LogRecord): string {
  const line: Record<string, unknown> = { time: record.time.toISOString(), level: record.level, logger: record.source, message: record.message };
  if (record.error !== undefined) line.error = errorFields(record.error);
  return JSON.stringify(line);
}

function errorFields(error: unknown): { name: string; message: string; stack?: string } {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  let message: string;
  try {
    message = typeof error === 'string' ? error : JSON.stringify(error) ?? String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  return { name: typeof error, message };
}

/** The default sink: one line per record on stderr, text or JSON as the record's `format` says. */
export const stderrSink: LogSink = (record) => {
  process.stderr.write((record.format === 'json' ? formatJsonLogRecord(record) : formatLogRecord(record)) + '\n');
};

/**
 * The sink a crawler logs through: every record is redacted (message, error message and stack)
 * and stamped with `logFormat` before `sink` sees it. Applied once where the crawler picks its
 * sink, so no component's logger can bypass it.
 */
export function crawlerSink(sink: LogSink, settings: Pick<Settings, 'logFormat' | 'logRedactParams' | 'logRedactValues'>): LogSink {
  const redact = createRedactor({ params: settings.logRedactParams, values: settings.logRedactValues });
  const format = settings.logFormat;
  return (record) => sink({ ...redactRecord(record, redact), format });
}

/** A record with secrets hidden; the same object when there was nothing to hide. */
export function redactRecord(record: LogRecord, redact: Redactor): LogRecord {
  const message = redact(record.message);
  const error = redactError(record.error, redact);
  return message === record.message && error === record.error ? record : { ...record, message, error };
}

function redactError(error: unknown, redact: Redactor): unknown {
  if (typeof error === 'string') return redact(error);
  if (!(error instanceof Error)) return error;
  const message = redact(error.message);
  const stack = error.stack === undefined ? undefined : redact(error.stack);
  if (message === error.message && stack === error.stack) return error;
  // A copy with the same prototype, so sinks that branch on the class (instanceof HttpError)
  // still can; the original stays untouched for whoever else holds it.
  const copy = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as Error, error);
  Object.defineProperty(copy, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(copy, 'stack', { value: stack, writable: true, configurable: true });
  if ('cause' in error) Object.defineProperty(copy, 'cause', { value: error.cause, writable: true, configurable: true });
  return copy;
}

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
