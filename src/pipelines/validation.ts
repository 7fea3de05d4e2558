/**
 * Item validation with zod: items that fail the spider's (or the project's) schema are dropped with
 * a ValidationError naming the spider, the URL and each failing path; valid items continue as the
 * schema's parsed output (coercions and defaults applied). Built in: a spider with `static item`
 * is validated without the project adding anything.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { ZodType } from 'zod';
import type { Crawler } from '../core/crawler.js';
import { DropItem, NotConfigured } from '../core/errors.js';
import { expandPathTemplate } from '../feeds/path-template.js';
import type { Response } from '../http/response.js';
import type { ItemPipeline } from '../middlewares/types.js';
import type { Spider, SpiderClass } from '../spiders/spider.js';

/** One schema, or one schema per item kind (the kind read from the item's `kindField`). */
export type ItemSchema = ZodType | Record<string, ZodType>;

/** One failing path of an item: `price`, `lines[2].sku`, or `(root)` for the item itself. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** An item that fails its schema; counted as `item_dropped_reasons_count/ValidationError`. */
export class ValidationError extends DropItem {
  override name = 'ValidationError';
  constructor(
    /** Each failing path with zod's message. */
    readonly issues: ValidationIssue[],
    /** The spider that scraped the item. */
    readonly spiderName: string,
    /** The URL of the response the item came from (undefined for items from start()). */
    readonly url?: string,
  ) {
    super(`Invalid item from spider ${spiderName}${url ? ` (${url})` : ''}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  }
}

/** Options of a ValidationPipeline. */
export interface ValidationPipelineOptions {
  /** Append each rejected item as a JSON line `{ spider, url, item, issues, time }`; `%(name)s` and `%(time)s` are expanded. */
  rejectsFile?: string;
  /** With a map of schemas: the item field holding its kind (default 'kind'). */
  kindField?: string;
}

/**
 * Validates each item against a zod schema and passes on the parsed output; throws ValidationError
 * for an invalid item. Without a schema it uses the spider's `static item`. An instance holds its
 * rejects file open from open() to close(): give each crawl its own (or give the class).
 */
export class ValidationPipeline implements ItemPipeline<object, object> {
  /** The built-in: validates against the spider's `static item`; NotConfigured when it has none. */
  static fromCrawler(crawler: Crawler): ValidationPipeline {
    const schema = crawler.spiderClass.item;
    if (!schema) throw new NotConfigured(`spider ${crawler.spiderClass.spiderName} has no static item`);
    const rejectsFile = crawler.settings.validationRejectsFile;
    return new ValidationPipeline(schema, rejectsFile ? { rejectsFile } : {});
  }

  private readonly schema: ItemSchema | undefined;
  private readonly kindField: string;
  private rejects: WriteStream | undefined;
  private writeError: Error | undefined;

  constructor(schema?: ItemSchema, private readonly options: ValidationPipelineOptions = {}) {
    this.schema = schema;
    this.kindField = options.kindField ?? 'kind';
  }

  /** Checks there is a schema (given, or the spider's `static item`) and opens the rejects file. */
  async open(spider: Spider): Promise<void> {
    if (!this.schema && !(spider.constructor as SpiderClass).item) throw new Error(`ValidationPipeline: no schema given and spider ${spider.name} has no static item`);
    if (!this.options.rejectsFile) return;
    const path = expandPathTemplate(this.options.rejectsFile, { name: spider.name, time: new Date() });
    mkdirSync(dirname(path), { recursive: true });
    const stream = createWriteStream(path, { flags: 'a' });
    await once(stream, 'open');
    stream.on('error', (error) => {
      if (!this.writeError) spider.logger.error(`Could not write rejected items to ${path}: ${error.message}`, error);
      this.writeError = error;
    });
    this.rejects = stream;
  }

  /**
   * Returns the schema's parsed output for a valid item.
   * @throws ValidationError naming the spider, the response URL and each failing path
   */
  async process(item: object, spider: Spider, response?: Response): Promise<object> {
    const schema = this.schema ?? (spider.constructor as SpiderClass).item;
    if (!schema) throw new Error(`ValidationPipeline: no schema given and spider ${spider.name} has no static item`);
    let issues: ValidationIssue[];
    if (isZodType(schema)) {
      const result = await schema.safeParseAsync(item);
      if (result.success) return result.data as object;
      issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    } else {
      const kind = (item as Record<string, unknown>)[this.kindField];
      const kindSchema = typeof kind === 'string' && Object.hasOwn(schema, kind) ? schema[kind] : undefined;
      if (typeof kind !== 'string' || !kindSchema) {
        const what = kind === undefined ? 'missing kind' : typeof kind === 'string' ? `unknown kind ${JSON.stringify(kind)}` : `kind is not a string (${typeof kind})`;
        issues = [{ path: this.kindField, message: `${what} (known: ${Object.keys(schema).join(', ')})` }];
      } else {
        const result = await kindSchema.safeParseAsync(item);
        // Keep the kind the item was routed by, even when the kind's schema does not declare it.
        if (result.success) return withKind(result.data, this.kindField, kind);
        issues = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
      }
    }
    const error = new ValidationError(issues, spider.name, response?.url);
    this.reject(item, error);
    throw error;
  }

  /** Flushes and closes the rejects file. */
  async close(): Promise<void> {
    const stream = this.rejects;
    if (!stream) return;
    this.rejects = undefined;
    if (this.writeError) return void stream.destroy();
    await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }

  private reject(item: object, error: ValidationError): void {
    if (!this.rejects || this.writeError) return;
    const record = { spider: error.spiderName, url: error.url ?? null, item, issues: error.issues, time: new Date().toISOString() };
    let line: string;
    try {
      line = JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
    } catch (cause) {
      line = JSON.stringify({ ...record, item: `[unserializable item: ${(cause as Error)?.message ?? cause}]` });
    }
    this.rejects.write(line + '\n');
  }
}

function isZodType(schema: ItemSchema): schema is ZodType {
  return typeof (schema as { safeParseAsync?: unknown }).safeParseAsync === 'function' && '_zod' in schema;
}

/** `['lines', 2, 'sku']` → `lines[2].sku`; `[]` → `(root)`. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`)).join('');
}

function withKind(data: unknown, kindField: string, kind: string): object {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || Object.hasOwn(data, kindField)) return data as object;
  return { [kindField]: kind, ...data };
}
